/** A password or token secret the hub shows once (SPEC §3): displayed until dismissed, never stored. */
export function OnceSecret({ label, secret, onDismiss }: { label: string; secret: string; onDismiss: () => void }) {
  return (
    <div className="notice warn" role="status">
      <strong>{label}</strong> — shown only now, stored on the hub only hashed:
      <div className="mono" data-testid="once-secret" style={{ fontSize: '1.1rem', margin: '0.5rem 0', wordBreak: 'break-all', userSelect: 'all' }}>
        {secret}
      </div>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </div>
  );
}
