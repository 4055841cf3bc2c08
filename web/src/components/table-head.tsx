/**
 * A table's column headers. `actions` adds a last column for row buttons, named for screen readers
 * only ('hidden') or also on screen ('shown'), so every table announces its columns the same way.
 */
export function TableHead({ columns, actions }: { columns: readonly string[]; actions?: 'hidden' | 'shown' }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
        {actions && <th scope="col">{actions === 'hidden' ? <span className="sr-only">Actions</span> : 'Actions'}</th>}
      </tr>
    </thead>
  );
}
