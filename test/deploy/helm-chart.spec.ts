import { KeyMaterialDirectory, loadKeyring } from '@ringfence/crypto';
import { CORE_SCHEMA, loadAll, mergeTag, YAML11_SCHEMA, load } from 'js-yaml';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SigningKeys } from '../../apps/api/src/admin-identity/tokens/signing-keys';
import { initProductionKeys } from '../../apps/api/src/bootstrap/production-keys';
import { loadConfig } from '../../apps/api/src/config/app-config';
import { CosignerKeys } from '../../apps/api/src/cosigner/protocol/cosigner-keys';
import { ApiKeyPeppers } from '../../apps/api/src/workspaces/api-keys/api-key-peppers';
import { HelmRenderer } from '../support/helm-render';

/**
 * deploy/helm/ringfence rendered by test/support/helm-render.ts (no `helm` binary here) with its
 * default values, every document parsed as Kubernetes reads it (YAML 1.1: `0440` is octal) and
 * checked: a Deployment for the API and for the worker with probes, resources and a read-only
 * root filesystem, PodDisruptionBudgets, migrations as a pre-install/pre-upgrade Job, and the
 * secrets directory made in the pod exactly as the key loader requires (the copy runs here).
 * `helm lint` and `kubeconform` are still to be run where installed.
 */
const CHART = resolve(__dirname, '../../deploy/helm/ringfence');
const read = (path: string) => readFileSync(join(CHART, path), 'utf8');

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  envFrom?: { configMapRef: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; defaultMode: number }; emptyDir?: Record<string, unknown> }[];
  automountServiceAccountToken?: boolean;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: Record<string, unknown> & { template?: { spec: PodSpec; metadata: { labels: Record<string, string> } } };
  data?: Record<string, unknown>;
}

function renderChart(): { manifests: Manifest[]; notes: string } {
  const chart = load(read('Chart.yaml'), { schema: CORE_SCHEMA }) as Record<string, string>;
  const values = load(read('values.yaml'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as Record<string, unknown>;
  const context = {
    Values: values,
    Release: { Name: 'rf', Namespace: 'custody', Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const renderer = new HelmRenderer();
  renderer.addHelpers(read('templates/_helpers.tpl'));
  const manifests = readdirSync(join(CHART, 'templates'))
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) =>
      loadAll(renderer.render(read(`templates/${name}`), context), { schema: YAML11_SCHEMA }).filter(
        (document): document is Manifest => !!document,
      ),
    );
  return { manifests, notes: renderer.render(read('templates/NOTES.txt'), context) };
}

describe('the Helm chart', () => {
  const { manifests, notes } = renderChart();
  const find = (kind: string, name: string) => {
    const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
    if (!found)
      throw new Error(`no ${kind} ${name} in ${manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).join(', ')}`);
    return found;
  };
  const pod = (manifest: Manifest) => manifest.spec.template!.spec;
  const configMap = () => find('ConfigMap', 'rf-config');

  it('renders the objects of a deployment', () => {
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual([
      'ConfigMap/rf-config',
      'Deployment/rf-api',
      'Deployment/rf-worker',
      'Job/rf-migrate',
      'PodDisruptionBudget/rf-api',
      'PodDisruptionBudget/rf-worker',
      'Service/rf-api',
    ]);
    expect(notes).toMatch(/admin-create\.cli\.js --email/);
  });

  it.each(['api', 'worker'])(
    'runs the %s role with probes, resources and a locked-down container the app accepts in production',
    (role) => {
      const deployment = find('Deployment', `rf-${role}`);
      const spec = pod(deployment);
      const [container] = spec.containers;
      expect(spec.containers).toHaveLength(1);
      expect(container!.startupProbe!.httpGet.path).toBe('/health/live');
      expect(container!.livenessProbe!.httpGet.path).toBe('/health/live');
      expect(container!.readinessProbe!.httpGet.path).toBe('/health/ready');
      expect(container!.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(container!.resources!.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(container!.resources!.limits!.memory).toBeDefined();
      expect(container!.securityContext).toEqual({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      // The image's user (Dockerfile: USER node, uid 1000) owns what the pod writes.
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(deployment.spec.selector).toEqual({
        matchLabels: { 'app.kubernetes.io/instance': 'rf', 'app.kubernetes.io/component': role },
      });
      expect(deployment.spec.template!.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': role });

      // The environment it boots with: the ConfigMap, the chart's own values, the Secret's URLs (stand-ins here).
      const fromSecret = Object.fromEntries(
        container!
          .env!.filter((entry) => entry.valueFrom)
          .map((entry) => {
            expect(entry.valueFrom!.secretKeyRef).toEqual({ name: 'ringfence-env', key: entry.name });
            return [
              entry.name,
              entry.name === 'DATABASE_URL' ? 'postgres://app@db/rf' : entry.name === 'REDIS_URL' ? 'redis://redis' : 'smtps://mail',
            ];
          }),
      );
      expect(Object.keys(fromSecret).sort()).toEqual(['DATABASE_URL', 'REDIS_URL', 'SMTP_URL']); // never the owner role's
      expect(container!.envFrom).toEqual([{ configMapRef: { name: 'rf-config' } }]);
      const env = {
        ...(configMap().data as Record<string, string>),
        ...Object.fromEntries(container!.env!.filter((entry) => entry.value !== undefined).map((entry) => [entry.name, entry.value!])),
        ...fromSecret,
      };
      for (const value of Object.values(configMap().data!)) expect(typeof value).toBe('string');
      const config = loadConfig(env);
      expect(config).toMatchObject({ env: 'production', role, secretsDir: '/run/secrets/ringfence' });
      expect(config.database.migrateOnBoot).toBe(false);
      expect(container!.volumeMounts).toEqual(
        expect.arrayContaining([
          { name: 'secrets', mountPath: '/run/secrets', readOnly: true },
          expect.objectContaining({ mountPath: '/tmp' }),
        ]),
      );
      expect(container!.volumeMounts!.map((mount) => mount.name)).not.toContain('keys'); // the Secret itself stays in the init container
    },
  );

  it('keeps the API available through a drain and lets the single worker move', () => {
    expect(find('PodDisruptionBudget', 'rf-api').spec).toMatchObject({ minAvailable: 1 });
    expect(find('PodDisruptionBudget', 'rf-worker').spec).toMatchObject({ maxUnavailable: 1 });
    expect(find('Deployment', 'rf-api').spec.replicas).toBe(2);
    expect(find('Deployment', 'rf-worker').spec.replicas).toBe(1);
    expect(find('Service', 'rf-api').spec).toMatchObject({ selector: { 'app.kubernetes.io/component': 'api' } });
  });

  it('migrates in a pre-install/pre-upgrade Job, as the owner role, with the migration entry the image has', () => {
    const job = find('Job', 'rf-migrate');
    expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    const [container] = pod(job).containers;
    expect(container!.command).toEqual(['node', 'dist/prisma-free/cli.js', 'up']);
    expect(readFileSync(resolve(__dirname, '../../prisma-free/cli.ts'), 'utf8')).toMatch(/DATABASE_MIGRATION_URL/);
    expect(container!.env).toEqual([
      { name: 'DATABASE_MIGRATION_URL', valueFrom: { secretKeyRef: { name: 'ringfence-env', key: 'DATABASE_MIGRATION_URL' } } },
    ]);
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
  });

  it('makes the secrets directory in the pod as the key loader requires: the init container’s copy, run here', () => {
    const spec = pod(find('Deployment', 'rf-api'));
    const keysVolume = spec.volumes!.find((volume) => volume.name === 'keys')!;
    expect(keysVolume.secret).toEqual({ secretName: 'ringfence-keys', defaultMode: 0o440 });
    expect(spec.volumes!.find((volume) => volume.name === 'secrets')!.emptyDir).toMatchObject({ medium: 'Memory' });
    const [init] = spec.initContainers!;
    expect(init!.volumeMounts).toEqual([
      { name: 'keys', mountPath: '/keys', readOnly: true },
      { name: 'secrets', mountPath: '/run/secrets' },
    ]);
    expect(init!.command!.slice(0, 2)).toEqual(['sh', '-ec']);

    // A Secret volume as the kubelet lays it out (files 0440 behind ..data symlinks) with keys:init's files, and an emptyDir (0777).
    const root = mkdtempSync(join(tmpdir(), 'rf-helm-keys-'));
    try {
      const made = initProductionKeys(join(root, 'made'));
      const keys = join(root, 'keys');
      mkdirSync(join(keys, '..2026_data'), { recursive: true });
      symlinkSync('..2026_data', join(keys, '..data'));
      for (const file of made.created) {
        spawnSync('install', ['-m', '0440', join(made.directory, file.name), join(keys, '..2026_data', file.name)]);
        symlinkSync(join('..data', file.name), join(keys, file.name));
      }
      const emptyDir = join(root, 'run-secrets');
      mkdirSync(emptyDir, { mode: 0o777 });
      spawnSync('chmod', ['0777', emptyDir]);
      const script = init!.command![2]!.replaceAll('/run/secrets', emptyDir).replaceAll('/keys', keys);
      const run = spawnSync('sh', ['-ec', script], { encoding: 'utf8' });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });

      const dir = join(emptyDir, 'ringfence');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir).sort()).toEqual(made.created.map((file) => file.name).sort());
      for (const name of readdirSync(dir)) {
        expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
        expect(statSync(join(dir, name)).uid).toBe(process.getuid!());
      }
      const secrets = new KeyMaterialDirectory(dir);
      loadKeyring(secrets);
      SigningKeys.load(secrets);
      ApiKeyPeppers.load(secrets);
      CosignerKeys.load(secrets, []);
      // The Secret volume itself is what the loader would refuse: group-readable.
      expect(() => new KeyMaterialDirectory(keys).read('master.v1.key')).toThrow(/readable or writable by group or others|symbolic link/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
