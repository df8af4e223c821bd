import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Capability, PortalView } from './api.ts';

export const PortalContext = createContext<PortalView | null>(null);

export function usePortal(): PortalView {
  const v = useContext(PortalContext);
  if (!v) throw new Error('usePortal outside the portal session');
  return v;
}

/** Whether the session may do this; the UI hides what it may not (the server refuses it anyway). */
export function useCan(capability: Capability): boolean {
  return useContext(PortalContext)?.capabilities.includes(capability) ?? false;
}

/** The application's path prefix for /api/v1 calls. */
export function useAppPath(): string {
  return `/app/${encodeURIComponent(usePortal().appId)}`;
}
