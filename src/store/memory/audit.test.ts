import { runAuditStoreContract } from '../audit.contract.js';
import { createMemoryAuditStore } from './audit.js';

runAuditStoreContract('memory', async () => ({ store: createMemoryAuditStore(), close: async () => {} }));
