import { storeRules } from '../delivery/store-rules.ts';
import { serveSqliteStore } from '../store/thread/thread-host.ts';

// The SQLite store's thread (see `ThreadedSqliteStore`): its own composition root, with the rules every store is opened with.
serveSqliteStore(storeRules);
