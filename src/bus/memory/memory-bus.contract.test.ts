import { runBusContract } from '../bus.contract.js';
import { MemoryBus } from './memory-bus.js';

runBusContract('memory', async (onListenerError) => new MemoryBus(onListenerError));
