/**
 * The memories' names (src/shared/memory-names.ts) for every section: App provides them from
 * the current report; a key the report does not have is shown as itself.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const MemoryNamesContext = createContext<ReadonlyMap<string, string>>(new Map());

/** key -> its name (or the key, when unknown). */
export function useMemoryName(): (key: string) => string {
  const names = useContext(MemoryNamesContext);
  return (key) => names.get(key) ?? key;
}

export function useMemoryNames(): ReadonlyMap<string, string> {
  return useContext(MemoryNamesContext);
}
