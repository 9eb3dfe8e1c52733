import { InMemoryRegistry, InMemoryStore } from '../src/index.js';
import { registryContract } from './contract.js';

registryContract('memory', async (seed) => {
  const store = new InMemoryStore();
  const writer = new InMemoryRegistry({ store });
  const consumer = new InMemoryRegistry({ store });
  for (const p of seed) await writer.register(p);
  return {
    consumer,
    writer,
    async close() {
      await consumer.close();
      await writer.close();
    },
  };
});
