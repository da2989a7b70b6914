import type { EmulatorHandle } from '../tools/local-stack/emulator';

export default async function globalTeardown(): Promise<void> {
  const emulator = (globalThis as { __EMULATOR__?: EmulatorHandle }).__EMULATOR__;
  await emulator?.stop();
}
