import { InProcessEventBus } from '../../src/index.js';
import { eventBusContract } from './contract.js';

eventBusContract('in-process', async () => new InProcessEventBus());
