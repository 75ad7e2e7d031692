import { stat } from 'node:fs/promises';

/** Whether anything exists at `path` (an unreadable path counts as absent). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
