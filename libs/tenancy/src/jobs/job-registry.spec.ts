import { Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job, JobDeclaration } from './job-declaration';
import { JobRegistry } from './job-registry';

/** A registry over `instances` as the providers Nest would hand it (each static, each its own wrapper). */
function registryOver(...instances: object[]): JobRegistry {
  const providers = instances.map((instance) => ({ instance, isDependencyTreeStatic: () => true }));
  const discovery = { getProviders: () => providers } as unknown as DiscoveryService;
  return new JobRegistry(discovery, new MetadataScanner(), { role: 'worker', drainTimeoutMs: 1000 });
}

function providerWith(declaration: JobDeclaration): object {
  class Provider {
    @Job(declaration)
    async turn(): Promise<void> {}
  }
  return new Provider();
}

/** docs/adr/0012-background-jobs.md: "an alias provider is the same instance, found once; a name declared twice stops the boot". */
describe('JobRegistry declarations', () => {
  const declaration: JobDeclaration = { name: 'probe-job', scope: 'cluster', everyMs: 1000 };

  it('finds an instance listed twice (an alias, useExisting) once', () => {
    const instance = providerWith(declaration);
    const registry = registryOver(instance, instance);
    registry.onModuleInit();
    expect(registry.status().map((job) => job.name)).toEqual(['probe-job']);
  });

  it('stops the boot when two providers declare the same name', () => {
    const registry = registryOver(providerWith(declaration), providerWith(declaration));
    expect(() => registry.onModuleInit()).toThrow('job probe-job is declared twice');
  });

  it('runs a before-serving turn during boot, and a failing one is counted, not fatal', async () => {
    class Failing {
      @Job({ name: 'warm-cache', scope: 'instance', everyMs: 60_000, beforeServing: true })
      async turn(): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('cold');
      }
    }
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const registry = registryOver(new Failing());
    registry.onModuleInit();
    await expect(registry.onApplicationBootstrap()).resolves.toBeUndefined();
    expect(registry.status()).toEqual([
      expect.objectContaining({
        name: 'warm-cache',
        runs: 1,
        consecutiveFailures: 1,
        lastError: expect.objectContaining({ code: 'Error' }),
      }),
    ]);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
    await registry.beforeApplicationShutdown();
  });

  it.each([
    ['a name that is not lower-case words joined by hyphens', { ...declaration, name: 'Probe_Job' }],
    ['an everyMs that is not whole and positive', { ...declaration, everyMs: 0 }],
    ['a negative firstAfterMs', { ...declaration, firstAfterMs: -1 }],
  ])('stops the boot on %s', (_what, bad: JobDeclaration) => {
    expect(() => registryOver(providerWith(bad)).onModuleInit()).toThrow();
  });
});
