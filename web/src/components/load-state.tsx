/**
 * What a screen shows while its data is not there: loading, the feature missing from this hub
 * (a 404 for the route — never fake data), the role not allowed, or an error with the hub's reason.
 */
import type { ReactNode } from 'react';
import type { Loadable } from '../hooks/use-api.js';

export function NotAvailable({ feature, detail }: { feature: string; detail?: string }) {
  return (
    <div className="unavailable" role="status">
      <strong>{feature} is not available on this hub</strong>
      <span>{detail ?? 'This hub does not offer that API yet. Nothing is shown rather than invented data.'}</span>
    </div>
  );
}

export function LoadState<T>({ result, feature, children }: { result: Loadable<T>; feature: string; children: (data: T) => ReactNode }) {
  if (result.state === 'unavailable') return <NotAvailable feature={feature} />;
  if (result.state === 'error' && result.error.status === 403) {
    return (
      <div className="notice warn" role="status">
        Your role may not see {feature.toLowerCase()}: {result.error.detail}
      </div>
    );
  }
  return (
    <>
      {result.state === 'error' && (
        <div className="notice error" role="alert">
          {feature}: {result.error.detail} <span className="muted">({result.error.code})</span>
        </div>
      )}
      {result.state === 'loading' && result.data === null && (
        <p className="muted" role="status">
          Loading {feature.toLowerCase()}…
        </p>
      )}
      {result.data !== null && children(result.data)}
    </>
  );
}
