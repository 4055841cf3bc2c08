/**
 * Severity and state vocabularies as runtime values. They repeat src/store/alerts.ts (which the
 * browser bundle must not import at runtime); `satisfies` keeps them equal to the server's types.
 */
import type { Severity, AlertState } from '../../src/store/alerts.js';

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const satisfies readonly Severity[];
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const satisfies readonly AlertState[];

/** Lower sorts first: the most urgent alert is at the top of the console. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

// Both directions: a severity or state added on the server fails this typecheck until added here.
const severitiesComplete: Severity extends (typeof SEVERITIES)[number] ? true : false = true;
const statesComplete: AlertState extends (typeof ALERT_STATES)[number] ? true : false = true;
export const VOCABULARIES_COMPLETE = severitiesComplete && statesComplete;
