/** The outcome of an action a screen ran: a status line when it worked, an alert with the hub's reason when not. */
import { asApiError } from '../hooks/use-api.js';

export interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** The hub's reason and error code, e.g. "name taken (conflict)". */
export function apiErrorText(err: unknown): string {
  const e = asApiError(err);
  return `${e.detail} (${e.code})`;
}

export function MessageNotice({ message }: { message: Message | null }) {
  if (!message) return null;
  return (
    <div className={`notice ${message.kind === 'error' ? 'error' : ''}`} role={message.kind === 'error' ? 'alert' : 'status'}>
      {message.text}
    </div>
  );
}
