import type { EmulatorHandle } from '../tools/local-stack/emulator';
import { dropDatabase } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __EMULATOR__?: EmulatorHandle; __TEST_DATABASE__?: string };
  await state.__EMULATOR__?.stop();
  if (state.__TEST_DATABASE__ && !process.env.KEEP_TEST_DATABASE) await dropDatabase(state.__TEST_DATABASE__);
}
