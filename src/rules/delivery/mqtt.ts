/**
 * Alerts over MQTT (SPEC §3): every alert change goes to `parapet/v1/alerts/<severity>`. The MQTT
 * transport (src/transport/mqtt/broker.ts) owns the broker, the topic and who may receive it
 * (operator role, site scope read from the payload's top-level `site`); it hands in its
 * `publishAlert` and gets the unsubscribe back.
 */
import type { Bus } from '../../bus/bus.js';
import type { Severity } from '../../store/alerts.js';
import { changeView } from '../alert-view.js';
import '../alerts.js'; // declares the 'alert.changed' bus topic

export type MqttAlertPublish = (severity: Severity, payload: Readonly<Record<string, unknown>>) => Promise<void>;

/** The payload: the change as on the SSE stream, plus `site` at the top for the broker's site scope. */
export function publishAlertsToMqtt(bus: Bus, publish: MqttAlertPublish): () => void {
  return bus.subscribe('alert.changed', async (change) => {
    await publish(change.alert.severity, { site: change.alert.site, ...changeView(change) });
  });
}
