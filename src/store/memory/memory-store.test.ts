import { runStoreContract } from '../store.contract.js';
import { createMemoryStore } from './memory-store.js';

runStoreContract('memory', async () => createMemoryStore());
