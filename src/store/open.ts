import { SqliteStore } from './sqlite/index.ts';
import type { Store } from './store.ts';

/** Opens the store a URL names (`sqlite:PATH`) and brings its schema up to date. */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const store = new SqliteStore(url.slice('sqlite:'.length));
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }
  throw new Error(`unsupported storage URL "${url}" (expected sqlite:PATH)`);
}
