import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me } from './api.ts';

export const MeContext = createContext<Me | null>(null);

/** Whether the signed-in role may change things: a viewer sees no action buttons (and the server refuses them anyway). */
export function useCanAct(): boolean {
  const me = useContext(MeContext);
  return me !== null && me.role !== 'viewer';
}
