// The local mesh in one process: pilot (in-process, config under <state-dir>/config), the ingress
// gateway and every pod's app + sidecar as child processes. Pods follow the Deployments in pilot's
// config store, so `weft apply -f` of a Deployment starts its pods and `weft delete` stops them.
// A probe round keeps each pod's readiness (app port answers, sidecar bound every listener pilot
// generated for it and pilot sees it SYNCED) in state.json for `weft status` and `weft up -d`.
// A pod whose process could not bind a port (someone else took it after it was allocated) gets
// new ports, a new bootstrap and a new registration with pilot, and starts again.
import { appendFileSync, mkdirSync } from 'node:fs';
import { type PilotHandle, startPilot } from '../pilot/index.ts';
import { nodeId } from './bootstrap.ts';
import { createGateway, type GatewayPorts } from './gateway.ts';
import { type PodPlan, planPods } from './plan.ts';
import { PodRuntime } from './pod.ts';
import { PortAllocator } from './ports.ts';
import { boundListeners, tcpProbe } from './probe.ts';
import type { ManagedProcess } from './process.ts';
import { type GatewayState, type RuntimeState, statePaths, writeState } from './state.ts';
import { syncView } from './sync-view.ts';

export interface SupervisorOptions {
  stateDir: string;
  gatewayPorts: GatewayPorts;
  /** Progress lines (pods starting, ready, restarting). */
  onEvent?: (line: string) => void;
  /** Grace period before SIGKILL on stop. */
  graceMs?: number;
  /** Where ports come from (tests pass one that races); a fresh allocator otherwise. */
  ports?: PortAllocator;
}

const FAST_PROBE_MS = 250;
const SLOW_PROBE_MS = 2000;
/** Bind conflicts one pod may recover from; more means the app ignores the ports it is given. */
const MAX_REWIRES = 3;

export class Supervisor {
  readonly options: SupervisorOptions;
  readonly state: RuntimeState;
  private pilot: PilotHandle | undefined;
  private readonly ports: PortAllocator;
  private readonly warned = new Set<string>();
  private readonly pods = new Map<string, PodRuntime>();
  private gateway: { state: GatewayState; process: ManagedProcess } | undefined;
  private writeTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Removes the store watch that replans pods on Deployment/Service changes. */
  private unwatch: (() => void) | undefined;
  private readonly event: (line: string) => void;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.ports = options.ports ?? new PortAllocator();
    const paths = statePaths(options.stateDir);
    this.event = (line) => options.onEvent?.(line);
    this.state = {
      version: 1,
      stateDir: paths.dir,
      supervisorPid: process.pid,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      phase: 'starting',
      pilot: { url: '', xdsPort: 0, httpPort: 0 },
      pods: [],
    };
  }

  /** Starts pilot and writes the first state; config can be applied after this. */
  async startPilot(): Promise<PilotHandle> {
    const paths = statePaths(this.options.stateDir);
    for (const dir of [paths.dir, paths.config, paths.logs, paths.bootstrap])
      mkdirSync(dir, { recursive: true });
    const pilotLog = `${paths.logs}/pilot.log`;
    const common = {
      configDir: paths.config,
      workloads: () => [...this.pods.values()].map((p) => p.workload()),
      log: (line: string) => appendFileSync(pilotLog, `${new Date().toISOString()} ${line}\n`),
    };
    // Istio's well-known ports when free, so `weft apply` finds pilot with no flags; else any.
    try {
      this.pilot = await startPilot({ ...common, xdsPort: 15010, httpPort: 15014 });
    } catch {
      this.pilot = await startPilot({ ...common, xdsPort: 0, httpPort: 0 });
    }
    const url = `http://127.0.0.1:${this.pilot.httpPort}`;
    this.state.pilot = { url, xdsPort: this.pilot.xdsPort, httpPort: this.pilot.httpPort };
    this.event(`pilot serving xDS on 127.0.0.1:${this.pilot.xdsPort} and its API on ${url}`);
    writeState(this.state);
    return this.pilot;
  }

  /** Applies YAML through pilot's API (validated there again); throws with its file:line issues. */
  async apply(text: string, source: string): Promise<void> {
    const res = await fetch(`${this.state.pilot.url}/apis/v1/apply?source=${encodeURIComponent(source)}`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/yaml' },
    });
    if (res.ok) return;
    const body = (await res.json()) as {
      error?: string;
      issues?: { file: string; line: number; message: string }[];
    };
    const lines = (body.issues ?? []).map((i) => `${i.file}:${i.line}: ${i.message}`);
    throw new Error(`pilot refused ${source}: ${body.error ?? res.status}\n  ${lines.join('\n  ')}`);
  }

  /** The pods the config store's Deployments ask for, with errors for those that cannot run. */
  plan(): { pods: PodPlan[]; errors: string[]; warnings: string[] } {
    const snapshot = this.pilot!.store.snapshot();
    return planPods(
      snapshot.ofKind('Deployment', 'apps').map((r) => ({
        name: r.key.name,
        namespace: r.key.namespace || 'default',
        body: r.body,
        file: r.source.file,
        line: r.source.line,
      })),
    );
  }

  /** Starts the gateway and the pods, then follows config changes and probes readiness. */
  async run(): Promise<void> {
    const pilot = this.pilot!;
    const xds = { host: '127.0.0.1', port: pilot.xdsPort };
    this.gateway = createGateway(
      this.options.stateDir,
      xds,
      this.options.gatewayPorts,
      await this.ports.port(),
      () => this.changed(),
      this.event,
    );
    this.state.gateway = this.gateway.state;
    this.gateway.process.start();
    await this.reconcile();
    this.unwatch = pilot.store.watch((change) => {
      if (this.stopped) return;
      if (!change.changed.some((k) => k.kind === 'Deployment' || k.kind === 'Service')) return;
      if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
      this.reconcileTimer = setTimeout(() => {
        // A failed round (no free port, an unwritable bootstrap) is reported; it must neither
        // crash the mesh as an unhandled rejection nor stop the next config change from replanning.
        this.reconciling = this.reconciling
          .then(() => this.reconcile())
          .catch((err: Error) => this.event(`error: applying a Deployment change failed: ${err.message}`));
      }, 200);
    });
    this.scheduleProbe(0);
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const { pods, errors, warnings } = this.plan();
    for (const e of errors) this.event(`error: ${e}`);
    // Every config change replans; a warning is news only the first time.
    for (const w of warnings.filter((x) => !this.warned.has(x))) {
      this.warned.add(w);
      this.event(`warning: ${w}`);
    }
    const wanted = new Set(pods.map((p) => p.name));
    for (const [name, pod] of this.pods) {
      if (wanted.has(name)) continue;
      this.event(`pod ${name}: stopping (its Deployment changed or was deleted)`);
      this.pods.delete(name);
      await pod.stop(this.options.graceMs ?? 5000, this.ports);
    }
    const services = [...this.pilot!.mesh.current().registry.services.values()];
    for (const plan of pods) {
      if (this.pods.has(plan.name)) continue;
      const pod = await PodRuntime.create(plan, {
        stateDir: this.options.stateDir,
        xds: { host: '127.0.0.1', port: this.pilot!.xdsPort },
        ports: this.ports,
        services,
        onChange: () => this.changed(),
        onEvent: this.event,
      });
      this.pods.set(plan.name, pod);
      pod.start();
      this.event(`pod ${plan.name}: starting ${plan.app}${plan.version ? ` ${plan.version}` : ''}`);
    }
    this.state.pods = [...this.pods.values()].map((p) => p.state);
    this.pilot!.setWorkloads([...this.pods.values()].map((p) => p.workload()));
    this.pilot!.flush();
    this.changed();
  }

  private scheduleProbe(ms: number): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => {
      void this.probe()
        .catch((err: Error) => {
          this.event(`error: readiness probe failed: ${err.message}`);
          return false;
        })
        .then((allReady) => this.scheduleProbe(allReady ? SLOW_PROBE_MS : FAST_PROBE_MS));
    }, ms);
  }

  /** Pilot's sync state of a proxy, and the listener names it generated for it. */
  private pilotView(nodeId: string): { sync: string; listeners: string[]; nack?: string } {
    const pilot = this.pilot!;
    const status = pilot.ads.status().filter((s) => s.node.id === nodeId);
    const latest = status[status.length - 1];
    const connected = pilot.ads.connectedProxies().filter((p) => p.node.id === nodeId);
    const proxy = connected[connected.length - 1];
    if (!latest || !proxy) return { sync: 'NOT CONNECTED', listeners: [] };
    const { sync, nack } = syncView(latest.types);
    const listeners = pilot.mesh.configFor(proxy).listeners.map((l) => String(l['name']));
    return nack ? { sync, listeners, nack } : { sync, listeners };
  }

  /** Whether the proxy runs the config pilot generated for it; a reason when not. */
  private async proxyReady(nodeId: string, admin: number): Promise<{ sync: string; reason?: string }> {
    const view = this.pilotView(nodeId);
    if (view.sync !== 'SYNCED') {
      const why = view.nack ? `it rejected its config: ${view.nack}` : `pilot sees it ${view.sync}`;
      return { sync: view.sync, reason: `sidecar not in sync: ${why}` };
    }
    const bound = await boundListeners(admin);
    if (!bound) return { sync: view.sync, reason: `sidecar admin 127.0.0.1:${admin} does not answer` };
    const missing = view.listeners.filter((n) => !bound.has(n));
    if (missing.length > 0) return { sync: view.sync, reason: `sidecar has not bound ${missing.join(', ')}` };
    return { sync: view.sync };
  }

  private async probe(): Promise<boolean> {
    if (this.stopped || !this.pilot) return false;
    let all = true;
    if (this.gateway) {
      const g = this.gateway;
      const r = g.process.state.pid
        ? await this.proxyReady(nodeId('router', g.state.name, g.state.namespace), g.state.admin)
        : { sync: 'NOT CONNECTED', reason: 'gateway process is not running' };
      g.state.sync = r.sync;
      g.process.setReady(!r.reason);
      this.setReady(g.state, r.reason, `gateway ${g.state.name}`);
      all &&= g.state.ready;
    }
    for (const pod of this.pods.values()) {
      const s = pod.state;
      let appReady = true;
      for (const [i, app] of pod.apps.entries()) {
        const key = pod.plan.containers[i]!.key;
        let ready = app.state.pid !== undefined;
        for (const p of s.ports) if (ready && p.owner === key) ready = await tcpProbe('127.0.0.1', p.app);
        app.setReady(ready);
        appReady &&= ready;
      }
      const r = pod.proxy.state.pid
        ? await this.proxyReady(nodeId('sidecar', s.name, s.namespace), s.admin)
        : { sync: 'NOT CONNECTED', reason: 'sidecar process is not running' };
      if ((!appReady || r.reason) && (await this.repairBindConflict(pod))) {
        all = false;
        continue;
      }
      s.sync = r.sync;
      const reason = !appReady
        ? `app not answering on ${s.ports.map((p) => `127.0.0.1:${p.app}`).join(', ') || 'its process'}`
        : r.reason;
      pod.proxy.setReady(!r.reason);
      this.setReady(s, reason, `pod ${s.name}`);
      all &&= s.ready;
    }
    if (all && this.state.phase === 'starting') {
      this.state.phase = 'ready';
      this.event(`mesh ready: ${this.pods.size} pods and the ingress gateway`);
    }
    this.changed();
    return all;
  }

  /**
   * When a process of the pod failed to bind because the port was taken in between, gives the pod
   * new ports and registers them with pilot; true when it did.
   */
  private async repairBindConflict(pod: PodRuntime): Promise<boolean> {
    if (this.stopped || !pod.bindConflict()) return false;
    if (pod.rewires >= MAX_REWIRES) return false;
    const s = pod.state;
    const old = s.ports.map((p) => `${p.app}/${p.inbound}`).join(',');
    this.event(`pod ${s.name}: a port it was given is taken by another process (EADDRINUSE); new ports`);
    await pod.rewire(1000, () => !this.stopped && this.pods.get(s.name) === pod);
    this.event(
      `pod ${s.name}: ports ${old} → ${s.ports.map((p) => `${p.app}/${p.inbound}`).join(',')}, ` +
        `admin ${s.admin}, proxy ${s.httpProxy}; restarted`,
    );
    this.pilot!.setWorkloads([...this.pods.values()].map((p) => p.workload()));
    this.pilot!.flush();
    this.setReady(s, 'restarted with new ports after a bind conflict', `pod ${s.name}`);
    this.changed();
    return true;
  }

  private setReady(
    target: { ready: boolean; reason?: string },
    reason: string | undefined,
    what: string,
  ): void {
    const ready = !reason;
    if (reason) target.reason = reason;
    else delete target.reason;
    if (target.ready !== ready) this.event(`${what}: ${ready ? 'ready' : `not ready (${reason})`}`);
    target.ready = ready;
  }

  private changed(): void {
    // Once stopping, stop() writes the state itself; a late timer would outlive the state dir.
    if (this.writeTimer || this.stopped) return;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.state.updatedAt = new Date().toISOString();
      writeState(this.state);
    }, 50);
  }

  /** Stops everything and leaves state.json saying why (what `weft up -d` reports). */
  async fail(message: string): Promise<void> {
    await this.stop();
    this.state.phase = 'failed';
    this.state.message = message;
    writeState(this.state);
  }

  /** Stops every process (SIGTERM, SIGKILL after the grace period) and pilot; config is kept. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Without this, a config change while stopping would schedule a reconcile that starts pods again.
    this.unwatch?.();
    this.unwatch = undefined;
    for (const t of [this.probeTimer, this.reconcileTimer, this.writeTimer]) if (t) clearTimeout(t);
    this.state.phase = 'stopping';
    writeState(this.state);
    await this.reconciling;
    const grace = this.options.graceMs ?? 5000;
    await Promise.all([
      ...[...this.pods.values()].map((p) => p.stop(grace, this.ports)),
      this.gateway?.process.stop(grace),
    ]);
    await this.pilot?.close();
    this.ports.close();
    this.state.phase = 'stopped';
    this.state.updatedAt = new Date().toISOString();
    writeState(this.state);
    this.event('mesh stopped');
  }
}
