import { runAlertStoreContract } from '../alerts.contract.js';
import { createMemoryAlertStore } from './alerts.js';

runAlertStoreContract('memory', async () => ({ store: createMemoryAlertStore(), close: async () => {} }));
