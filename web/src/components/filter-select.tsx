/** A labelled filter drop-down whose first choice, "all", is the empty value (no filter). */
import type { Ref } from 'react';

interface FilterSelectProps {
  readonly label: string;
  readonly value: string;
  readonly options: readonly string[];
  readonly onChange: (value: string) => void;
  readonly selectRef?: Ref<HTMLSelectElement>;
}

export function FilterSelect({ label, value, options, onChange, selectRef }: FilterSelectProps) {
  return (
    <label>
      {label}
      <select ref={selectRef} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}
