import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration } from 'cdk8s';
import { DIGEST, fleetSpec, REGISTRY, registeredFleetSpec, smallSpec, validationErrorOf } from './fixtures';
import { spec as reference } from '../../examples/reference/platform';
import { GpuInstanceType, ModelRuntime } from '../../src/core';
import { LlmSloAlerts } from '../../src/observability';
import { Fleet, GpuCapacityType, GpuProvisioning, KubernetesPlatform, ModelWeights, PlatformSpec } from '../../src/platform';
import { PlatformDiagram } from '../../src/platform/diagram';
import { DiagramGraph, NodeClass } from '../../src/platform/private/diagram-graph';
import { dotText, mermaidText } from '../../src/platform/private/diagram-render';
import { PolicyEngine } from '../../src/policy';

// ---------------------------------------------------------------------------------------------------
// Small structural parsers: enough of each grammar to prove the output is well formed.
// ---------------------------------------------------------------------------------------------------

interface Parsed {
  nodes: Map<string, string>; // id -> label (Mermaid: escaped; DOT: unescaped)
  groups: string[];
  edges: { from: string; to: string; label?: string }[];
}

const MERMAID_ID = '[A-Za-z][A-Za-z0-9_]*';
const MERMAID_NODE = new RegExp(`^(${MERMAID_ID})(\\(\\[|\\[\\(|\\[\\[|\\{\\{|\\[|\\()"([^"]*)"(\\]\\)|\\)\\]|\\]\\]|\\}\\}|\\]|\\)):::([a-z]+)$`);
const MERMAID_EDGE = new RegExp(`^(${MERMAID_ID}) (-->|-\\.->|==>)(?:\\|"([^"]*)"\\|)? (${MERMAID_ID})$`);
const MERMAID_RESERVED = new Set(['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'classDef', 'click', 'linkStyle', 'direction']);

/** Parse a Mermaid flowchart as we emit it; throws on any line it does not understand. */
function parseMermaid(text: string): Parsed {
  const lines = text.split('\n');
  expect(lines[lines.length - 1]).toBe('');
  lines.pop();
  let i = 0;
  if (lines[0] === '---') {
    expect(lines[1]).toMatch(/^title: "([^"\\]|\\.)*"$/);
    expect(lines[2]).toBe('---');
    i = 3;
  }
  expect(lines[i]).toMatch(/^flowchart (LR|TB|TD|RL|BT)$/);
  const out: Parsed = { nodes: new Map(), groups: [], edges: [] };
  const stack: string[] = [];
  const shapes = new Map([['[', ']'], ['(', ')'], ['([', '])'], ['[(', ')]'], ['[[', ']]'], ['{{', '}}']]);
  const classDefs = new Set<string>();
  const usedClasses = new Set<string>();
  const declare = (id: string) => {
    expect(MERMAID_RESERVED.has(id)).toBe(false);
    if (out.nodes.has(id) || out.groups.includes(id)) throw new Error(`id ${id} declared twice`);
  };
  for (const raw of lines.slice(i + 1)) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^subgraph (${MERMAID_ID})\\["([^"]*)"\\]$`).exec(line))) {
      declare(m[1]);
      out.groups.push(m[1]);
      stack.push(m[1]);
    } else if (line === 'end') {
      if (stack.pop() === undefined) throw new Error('end without subgraph');
    } else if ((m = MERMAID_NODE.exec(line))) {
      expect(shapes.get(m[2])).toBe(m[4]);
      declare(m[1]);
      out.nodes.set(m[1], m[3]);
      usedClasses.add(m[5]);
    } else if ((m = MERMAID_EDGE.exec(line))) {
      out.edges.push({ from: m[1], to: m[4], label: m[3] === undefined ? undefined : decodeMermaid(m[3]) });
    } else if ((m = /^classDef ([a-z]+) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}$/.exec(line))) {
      classDefs.add(m[1]);
    } else {
      throw new Error(`unexpected Mermaid line: ${raw}`);
    }
  }
  expect(stack).toEqual([]); // every subgraph closed
  for (const e of out.edges) {
    expect(out.nodes.has(e.from) ? e.from : `undeclared ${e.from}`).toBe(e.from);
    expect(out.nodes.has(e.to) ? e.to : `undeclared ${e.to}`).toBe(e.to);
  }
  expect([...usedClasses].filter((c) => !classDefs.has(c))).toEqual([]);
  return out;
}

type Token = { kind: 'id' | 'str' | 'punct' | 'arrow'; value: string };

/** Tokenize DOT (quoted strings with escapes, bare ids/numbers, `->`, punctuation). */
function tokenizeDot(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (text[i] !== '"') {
        if (i >= text.length) throw new Error('unterminated DOT string');
        if (text[i] === '\\' && i + 1 < text.length) {
          value += text[i + 1] === '"' ? '"' : text[i + 1] === '\\' ? '\\' : `\\${text[i + 1]}`;
          i += 2;
        } else {
          if (text[i] === '\n') throw new Error('raw newline in DOT string');
          value += text[i++];
        }
      }
      i++;
      tokens.push({ kind: 'str', value });
    } else if (text.startsWith('->', i)) {
      tokens.push({ kind: 'arrow', value: '->' });
      i += 2;
    } else if (/[{}[\];,=]/.test(c)) {
      tokens.push({ kind: 'punct', value: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.#]+/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected DOT character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: 'id', value: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Parse the DOT subset we emit: digraph, nested subgraphs, attribute statements, nodes, edges. */
function parseDot(text: string): Parsed {
  const t = tokenizeDot(text);
  const out: Parsed = { nodes: new Map(), groups: [], edges: [] };
  let p = 0;
  const next = () => t[p++];
  const expectTok = (value: string) => {
    const tok = next();
    if (!tok || tok.value !== value) throw new Error(`expected ${value}, got ${tok?.value}`);
  };
  const isId = (tok: Token | undefined) => tok !== undefined && (tok.kind === 'id' || tok.kind === 'str');
  const attrs = (): Map<string, string> => {
    const a = new Map<string, string>();
    expectTok('[');
    while (t[p]?.value !== ']') {
      const k = next();
      expectTok('=');
      const v = next();
      if (!isId(k) || !isId(v)) throw new Error('bad attribute');
      a.set(k.value, v.value);
      if (t[p]?.value === ',') p++;
    }
    expectTok(']');
    return a;
  };
  let depth = 0;
  let maxDepth = 0;
  const body = () => {
    expectTok('{');
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    while (t[p] && t[p].value !== '}') {
      const tok = next();
      if (tok.kind === 'id' && ['graph', 'node', 'edge'].includes(tok.value)) {
        attrs();
      } else if (tok.kind === 'id' && tok.value === 'subgraph') {
        const name = next();
        if (!isId(name)) throw new Error('subgraph without a name');
        out.groups.push(name.value);
        body();
        continue;
      } else if (isId(tok) && t[p]?.value === '=') {
        p++;
        if (!isId(next())) throw new Error('bad graph attribute');
      } else if (isId(tok) && t[p]?.kind === 'arrow') {
        p++;
        const to = next();
        if (!isId(to)) throw new Error('edge without a target');
        const a = t[p]?.value === '[' ? attrs() : new Map<string, string>();
        out.edges.push({ from: tok.value, to: to.value, label: a.get('label') });
      } else if (isId(tok) && t[p]?.value === '[') {
        if (out.nodes.has(tok.value)) throw new Error(`node ${tok.value} declared twice`);
        out.nodes.set(tok.value, attrs().get('label') ?? tok.value);
      } else {
        throw new Error(`unexpected DOT token ${tok.value}`);
      }
      expectTok(';');
    }
    expectTok('}');
    depth--;
  };
  expectTok('digraph');
  if (!isId(next())) throw new Error('digraph without a name');
  body();
  if (p !== t.length) throw new Error('tokens after the closing brace');
  expect(depth).toBe(0);
  expect(maxDepth).toBeGreaterThan(1);
  for (const e of out.edges) {
    expect(out.nodes.has(e.from) ? e.from : `undeclared ${e.from}`).toBe(e.from);
    expect(out.nodes.has(e.to) ? e.to : `undeclared ${e.to}`).toBe(e.to);
  }
  return out;
}

const hasEdge = (g: Parsed, from: string, to: string, label?: string) =>
  g.edges.some((e) => e.from === from && e.to === to && (label === undefined || e.label === label));

function decodeMermaid(text: string): string {
  return text.replace(/#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));
}

/** Mermaid labels with entities decoded and `<br/>` as newlines (what a reader sees). */
function mermaidLabel(g: Parsed, id: string): string {
  const raw = g.nodes.get(id);
  if (raw === undefined) throw new Error(`no node ${id}`);
  return raw.split('<br/>').map(decodeMermaid).join('\n');
}

// ---------------------------------------------------------------------------------------------------

describe('PlatformDiagram (reference platform)', () => {
  const mermaid = PlatformDiagram.mermaid(reference);
  const dot = PlatformDiagram.dot(reference);
  const m = parseMermaid(mermaid);
  const d = parseDot(dot);

  test('both formats declare the same nodes and edges', () => {
    expect([...m.nodes.keys()].sort()).toEqual([...d.nodes.keys()].sort());
    expect(m.edges.map((e) => `${e.from}>${e.to}`)).toEqual(d.edges.map((e) => `${e.from}>${e.to}`));
    expect(d.groups.map((g) => g.replace(/^cluster_/, ''))).toEqual(m.groups);
    for (const [id, label] of d.nodes) expect(mermaidLabel(m, id)).toBe(label.replace(/\\n/g, '\n'));
  });

  test('account, region, VPC and cluster are nested groups', () => {
    expect(mermaid).toContain('subgraph grp_aws["AWS account 123456789012, us-east-1"]');
    expect(mermaid).toContain('subgraph grp_vpc["VPC 10.0.0.0/16, us-east-1a, us-east-1b, us-east-1c"]');
    expect(mermaid).toContain('subgraph grp_eks["EKS acme-llm-prod, Kubernetes 1.34, private endpoint"]');
    expect(dot).toMatch(/subgraph "cluster_grp_aws" \{\n\s+label="AWS account 123456789012, us-east-1";\n[\s\S]*subgraph "cluster_grp_vpc"[\s\S]*subgraph "cluster_grp_eks"/);
  });

  test('every pool is a node with instance types, GPU model, node range and capacity', () => {
    expect(mermaidLabel(m, 'pool_system')).toBe('system pool\nm7i.xlarge\n3..6 nodes, managed node group');
    expect(mermaidLabel(m, 'pool_a10g')).toBe([
      'GPU pool a10g',
      'g5.2xlarge: 1 x A10G 24 GiB',
      'g5.4xlarge: 1 x A10G 24 GiB',
      '2 nodes managed + up to 16 Karpenter, on-demand',
      // 2 managed nodes (no autoscaler) + 16 Karpenter; max replicas plus rollout surges
      'capacity 18 GPUs, requested 17',
    ].join('\n'));
    expect(mermaidLabel(m, 'pool_l40s')).toBe([
      'GPU pool l40s',
      'g6e.12xlarge: 4 x L40S 48 GiB',
      '1 node managed + up to 4 Karpenter, on-demand',
      'capacity 20 GPUs, requested 20',
    ].join('\n'));
    expect(hasEdge(m, 'karpenter', 'pool_a10g', 'NodePool + EC2NodeClass')).toBe(true);
    expect(hasEdge(m, 'karpenter', 'pool_l40s', 'NodePool + EC2NodeClass')).toBe(true);
    for (const pool of ['pool_a10g', 'pool_l40s']) {
      expect(hasEdge(m, 'component_gpu', pool, 'DaemonSets')).toBe(true);
      expect(hasEdge(m, 'aws_ecr', pool, 'image pull')).toBe(true);
    }
  });

  test('every tenant is a group with its namespace node, synced by the tenants ApplicationSet', () => {
    for (const [t, quota, admins] of [['search', 12, 'search-admins'], ['support', 22, 'support-admins'], ['vision', 4, 'vision-admins']] as const) {
      expect(m.groups).toContain(`grp_tenant_${t}`);
      expect(mermaidLabel(m, `tenant_${t}`)).toBe(`namespace ${t}\nGPU quota ${quota}\nadmins ${admins}`);
      expect(hasEdge(m, 'argocd_appset_tenants', `tenant_${t}`, `prod/${t}`)).toBe(true);
      expect(hasEdge(m, 'component_tenancy', `tenant_${t}`, 'namespace + quota')).toBe(true);
      expect(hasEdge(m, 'policy_vap', `tenant_${t}`, 'admission')).toBe(true);
      expect(hasEdge(m, 'policy_kyverno', `tenant_${t}`, 'admission')).toBe(true);
    }
  });

  test('every model is a node in its tenant group with runtime, GPUs, replicas, weights and its edges', () => {
    const group = (id: string) => {
      const lines = mermaid.split('\n');
      const at = lines.findIndex((l) => new RegExp(`^${id}[[({]`).test(l.trim()));
      let depth = 0;
      for (let i = at - 1; i >= 0; i--) {
        const l = lines[i].trim();
        if (l === 'end') {depth++;} else if (l.startsWith('subgraph ')) {
          if (depth === 0) return l.split(/[ [ ]/)[1];
          depth--;
        }
      }
      return undefined;
    };
    const expected: [string, string, string, number][] = [
      ['llama3-8b', 'search', 'a10g', 1], ['reranker', 'search', 'a10g', 1], ['mixtral-8x7b', 'support', 'l40s', 4],
      ['llama3-70b', 'support', 'l40s', 4], ['clip-vit', 'vision', 'a10g', 1],
    ];
    for (const [name, tenant, pool, gpus] of expected) {
      const id = `model_${name.replace(/-/g, '_')}`;
      expect(group(id)).toBe(`grp_tenant_${tenant}`);
      expect(hasEdge(m, id, `pool_${pool}`, `${gpus} GPU${gpus === 1 ? '' : 's'} per replica`)).toBe(true);
      expect(hasEdge(m, 'aws_model_store', id, 'weights (Pod Identity read)')).toBe(true);
      expect(hasEdge(m, id, 'obs_prometheus', 'metrics')).toBe(true);
    }
    expect(mermaidLabel(m, 'model_llama3_8b')).toBe([
      'llama3-8b', 'vLLM, Deployment', '1 GPU x 2..6 replicas', 'weights models/llama3-8b/ @ 2024-06-01',
      'canary 2024-07-01: 10% traffic, 1 replica', 'SLO 99.5% available, TTFT p99 2 seconds, ITL p99 200 millis',
    ].join('\n'));
    expect(mermaidLabel(m, 'model_llama3_70b')).toContain('vLLM, Deployment\n4 GPUs x 1 replica');
    expect(mermaidLabel(m, 'model_reranker')).toContain('Triton, KServe InferenceService');
    expect(mermaidLabel(m, 'model_mixtral_8x7b')).toContain('TGI, Deployment\n4 GPUs x 1..2 replicas');
    expect(group('job_support_lora')).toBe('grp_tenant_support');
    expect(mermaidLabel(m, 'job_support_lora')).toBe(
      'fine-tuning support-lora\nPyTorchJob, 2 workers x 1 GPU\nbase models/llama3-8b/ @ 2024-06-01\ndataset datasets/support/2024-06/');
    expect(hasEdge(m, 'job_support_lora', 'pool_a10g', '2 GPUs')).toBe(true);
    expect(hasEdge(m, 'job_support_lora', 'aws_model_store', 'write adapters/support-lora/')).toBe(true);
  });

  test('ingress gateway routes public models, with the canary split, and not private ones', () => {
    expect(mermaidLabel(m, 'mesh_gateway')).toBe('Ingress gateway (Gateway API)\nnamespace istio-ingress\nHTTPS llm.acme.example.com\nTLS secret llm-acme-example-com-tls');
    expect(hasEdge(m, 'ext_clients', 'mesh_gateway', 'HTTPS')).toBe(true);
    expect(hasEdge(m, 'mesh_gateway', 'model_llama3_8b', '/search/llama3-8b/, 90% stable / 10% canary (InferencePool, endpoint picker)')).toBe(true);
    expect(hasEdge(m, 'mesh_gateway', 'model_reranker', '/search/reranker/')).toBe(true);
    expect(hasEdge(m, 'mesh_gateway', 'model_mixtral_8x7b', '/support/mixtral-8x7b/')).toBe(true);
    expect(hasEdge(m, 'mesh_gateway', 'model_llama3_70b', '/support/llama3-70b/ (InferencePool, endpoint picker)')).toBe(true);
    expect(m.edges.some((e) => e.from === 'mesh_gateway' && e.to === 'model_clip_vit')).toBe(false); // publicRoute: false
    expect(mermaidLabel(m, 'mesh_mtls')).toContain('Istio STRICT mTLS');
    expect(mermaidLabel(m, 'mesh_mtls')).toContain('tracing 5% sampled');
  });

  test('one source of truth for the SLO defaults: each model\'s diagram SLO is what its alert rules use (issue 16: 99% vs 99.5%)', () => {
    const platform = new KubernetesPlatform(new App(), 'acme-llm', { spec: reference });
    const alerts = platform.node.findAll().filter((c): c is LlmSloAlerts => c instanceof LlmSloAlerts);
    expect(alerts.length).toBe(reference.models!.length);
    const human = (duration?: { toHumanString(): string }) => duration?.toHumanString();
    for (const a of alerts) {
      const model = a.ruleName.replace(/-slo$/, '');
      const parts = [`SLO ${+(a.availability!.target * 100).toFixed(3)}% available`];
      if (a.timeToFirstTokenP99) parts.push(`TTFT p99 ${human(a.timeToFirstTokenP99)}`);
      if (a.interTokenLatencyP99) parts.push(`ITL p99 ${human(a.interTokenLatencyP99)}`);
      expect(mermaidLabel(m, `model_${model.replace(/-/g, '_')}`).split('\n').pop()).toBe(parts.join(', '));
    }
    expect(LlmSloAlerts.DEFAULT_AVAILABILITY_TARGET).toBe(0.995);
    expect(alerts.every((a) => a.availability!.target === LlmSloAlerts.DEFAULT_AVAILABILITY_TARGET)).toBe(true); // the reference sets none
    const set = LlmSloAlerts.objectivesOf(ModelRuntime.TRITON, { availabilityTarget: 0.999, timeToFirstTokenP99: Duration.seconds(1) });
    expect([set.availabilityTarget, human(set.timeToFirstTokenP99), set.interTokenLatencyP99]).toEqual([0.999, '1 second', undefined]);
  });

  test('policy engines and the exceptions (the library\'s own for its GPU agents, no user exception)', () => {
    expect(mermaidLabel(m, 'policy_vap')).toMatch(/^ValidatingAdmissionPolicy\n/);
    expect(mermaidLabel(m, 'policy_kyverno')).toMatch(/^Kyverno ClusterPolicy\n/);
    expect(m.nodes.has('policy_gatekeeper')).toBe(false);
    expect(mermaidLabel(m, 'policy_exceptions')).toBe([
      '2 policy exceptions',
      'nvidia-gpu DaemonSet dcgm-exporter (built into cdk-llm-platform)',
      'rules LLM-PSS-006, LLM-PSS-012, LLM-SEC-001',
      'nvidia-gpu DaemonSet nvidia-device-plugin (built into cdk-llm-platform)',
      'rules LLM-PSS-006, LLM-PSS-012, LLM-RES-002',
    ].join('\n'));
    // a user exception keeps its owner, ticket and expiry; the opt-out drops the built-ins
    const exception = {
      ruleIds: ['LLM-SEC-001'], namespace: 'search', kind: 'Deployment', name: 'reranker', owner: 'search-team', reason: 'cache', ticket: 'SEC-7', expires: '2099-01-01',
    };
    const policy = { ...reference.policy, builtInExceptions: false, exceptions: [exception] };
    const own = parseMermaid(PlatformDiagram.mermaid({ ...reference, policy }));
    expect(mermaidLabel(own, 'policy_exceptions')).toBe('1 policy exception\nsearch Deployment reranker (search-team, SEC-7, until 2099-01-01)\nrules LLM-SEC-001');
    expect(hasEdge(m, 'policy_exceptions', 'policy_vap', 'exempts')).toBe(true);
    expect(hasEdge(m, 'argocd_appset_platform', 'policy_vap', 'prod/policies')).toBe(true);
  });

  test('GitOps flow: repository -> ApplicationSets -> components and tenants', () => {
    expect(mermaidLabel(m, 'ext_gitops_repo')).toBe('GitOps repository\nhttps://git.example.com/acme/platform-gitops.git\nrevision main');
    expect(hasEdge(m, 'ext_gitops_repo', 'argocd_appset_platform', 'prod/<component>')).toBe(true);
    expect(hasEdge(m, 'ext_gitops_repo', 'argocd_appset_tenants', 'prod/<tenant>')).toBe(true);
    expect(hasEdge(m, 'ext_gitops_repo', 'argocd_addons', 'argocd/')).toBe(true);
    for (const c of ['tenancy', 'gpu']) expect(hasEdge(m, 'argocd_appset_platform', `component_${c}`, `prod/${c}`)).toBe(true);
    expect(hasEdge(m, 'argocd_appset_platform', 'mesh_mtls', 'prod/mesh')).toBe(true);
    expect(hasEdge(m, 'argocd_appset_platform', 'obs_prometheus', 'prod/observability')).toBe(true);
    const addons = mermaidLabel(m, 'argocd_addons');
    for (const a of ['kyverno', 'istiod', 'istio-ingress', 'karpenter', 'kserve', 'opentelemetry-operator']) expect(addons).toContain(a);
    expect(addons).not.toContain('gatekeeper');
  });

  test('observability and audit flows', () => {
    expect(mermaidLabel(m, 'obs_otel')).toContain('pipelines: metrics, traces');
    expect(hasEdge(m, 'obs_otel', 'aws_amp', 'remote write (SigV4, Pod Identity)')).toBe(true);
    expect(hasEdge(m, 'obs_otel', 'ext_traces', 'OTLP traces')).toBe(true);
    expect(m.nodes.has('ext_logs')).toBe(false);
    expect(hasEdge(m, 'obs_prometheus', 'obs_dashboards', 'queries')).toBe(true);
    expect(mermaidLabel(m, 'aws_amp')).toBe('Amazon Managed Prometheus\nws-1234abcd-5678-90ef-1234-567890abcdef');
    expect(hasEdge(m, 'aws_guardduty', 'aws_securityhub', 'findings')).toBe(true);
    expect(hasEdge(m, 'aws_securityhub', 'aws_firehose', 'EventBridge')).toBe(true);
    expect(hasEdge(m, 'aws_firehose', 'ext_splunk', 'HEC')).toBe(true);
    expect(mermaidLabel(m, 'ext_splunk')).toBe('Splunk HEC\nhttp-inputs-acme.splunkcloud.com:443');
    expect(mermaidLabel(m, 'aws_cloudtrail')).toBe('CloudTrail\nlogs to s3://acme-llm-prod-audit\nretention 2557 days');
    expect(mermaidLabel(m, 'aws_ecr')).toMatch(/^ECR registry\n123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\n\d+ repositories$/);
  });

  test('Mermaid header, ids and classes', () => {
    expect(mermaid.startsWith('---\ntitle: "acme-llm (prod): cdk-llm-platform architecture"\n---\nflowchart LR\n')).toBe(true);
    for (const id of [...m.nodes.keys(), ...m.groups]) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(mermaid).toContain(':::model');
    expect(mermaid).toContain('classDef gpu fill:#e8f5e9,stroke:#2e7d32,color:#212121');
  });

  test('deterministic: the same spec renders byte-identical output, independent of collection order', () => {
    expect(PlatformDiagram.mermaid(reference)).toBe(mermaid);
    expect(PlatformDiagram.dot(reference)).toBe(dot);
    const shuffled: PlatformSpec = {
      ...reference,
      gpuPools: [...reference.gpuPools].reverse(),
      tenants: [...reference.tenants].reverse(),
      models: [...reference.models!].reverse(),
    };
    expect(PlatformDiagram.mermaid(shuffled)).toBe(mermaid);
    expect(PlatformDiagram.dot(shuffled)).toBe(dot);
  });

  test('graphviz renders the DOT when it is installed (skipped otherwise)', () => {
    const probe = spawnSync('dot', ['-V'], { encoding: 'utf-8' });
    if (probe.error || probe.status !== 0) return; // graphviz is optional
    const svg = execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf-8' });
    expect(svg).toContain('<svg');
    expect(svg).toContain('llama3&#45;8b');
  });
});

describe('PlatformDiagram (minimal and optional parts)', () => {
  test('a small spec: no gateway, no OTel gateway, no Splunk; defaults shown', () => {
    const spec = smallSpec();
    const m = parseMermaid(PlatformDiagram.mermaid(spec));
    parseDot(PlatformDiagram.dot(spec));
    for (const id of ['ext_clients', 'mesh_gateway', 'obs_otel', 'aws_amp', 'ext_splunk', 'aws_firehose', 'ext_traces', 'policy_kyverno', 'job_support_lora']) {
      expect(m.nodes.has(id) ? id : undefined).toBeUndefined();
    }
    expect(m.edges.some((e) => e.from === 'mesh_gateway')).toBe(false);
    expect(mermaidLabel(m, 'pool_system')).toBe('system pool\nm7i.xlarge\n3..6 nodes, managed node group');
    expect(mermaidLabel(m, 'policy_vap')).toMatch(/^ValidatingAdmissionPolicy/);
    expect(mermaidLabel(m, 'tenant_search')).toBe('namespace search\nGPU quota 5\nadmins search-admins');
    expect(mermaidLabel(m, 'model_llama3_8b')).toContain('1 GPU x 1..4 replicas');
    expect(mermaidLabel(m, 'obs_dashboards')).toContain('Grafana dashboards');
    expect(hasEdge(m, 'aws_securityhub', 'aws_firehose')).toBe(false);
    expect(m.groups).toContain('grp_eks');
    expect(PlatformDiagram.mermaid(spec)).toContain('subgraph grp_eks["EKS acme-llm-dev, Kubernetes 1.34, private endpoint"]');
  });

  test('cluster options, Karpenter-only and spot pools, Gatekeeper, logs, no dashboards, Hugging Face and PVC weights', () => {
    const base = smallSpec();
    const spec = smallSpec({
      cluster: { vpcCidr: '10.42.0.0/16', availabilityZones: ['us-east-1d', 'us-east-1e'], publicAccessCidrs: ['203.0.113.0/24'], fips: true },
      systemPool: { instanceTypes: ['m7i.2xlarge', 'm6i.2xlarge'], minNodes: 2, maxNodes: 9 },
      gpuPools: [
        { ...base.gpuPools[0], maxNodes: 6 },
        { name: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], maxNodes: 3, provisioning: GpuProvisioning.KARPENTER, capacityType: GpuCapacityType.SPOT },
      ],
      // single-replica models reserve a rollout surge replica
      tenants: [{ name: 'search', gpuQuota: 5 }, { name: 'research', gpuQuota: 26 }],
      models: [
        ...base.models!,
        {
          name: 'qwen-72b',
          tenant: 'research',
          runtime: ModelRuntime.VLLM,
          image: `${REGISTRY}/acme-llm/vllm${DIGEST}`,
          weights: ModelWeights.huggingFace({ modelId: 'Qwen/Qwen2-72B', revision: '0e9e39f249a16976918f6564b8830bc894c89659' }),
          gpuPool: 'h100',
          gpusPerReplica: 8,
          replicas: { min: 1, max: 2 },
        },
        {
          name: 'embedder',
          tenant: 'research',
          runtime: ModelRuntime.TGI,
          image: `${REGISTRY}/acme-llm/tgi${DIGEST}`,
          weights: ModelWeights.pvc({ claimName: 'embedder-weights', revision: 'v3', subPath: 'bge' }),
          gpuPool: 'a10g',
          replicas: { min: 1, max: 1 },
        },
      ],
      images: { ...base.images, otelCollector: `${REGISTRY}/mirror/otel${DIGEST}` },
      policy: { ...base.policy, engines: [PolicyEngine.GATEKEEPER] },
      observability: { logsEndpoint: 'https://logs.example.com/v1/logs', dashboards: false },
    });
    const m = parseMermaid(PlatformDiagram.mermaid(spec));
    parseDot(PlatformDiagram.dot(spec));
    expect(m.groups).toContain('grp_vpc');
    const text = PlatformDiagram.mermaid(spec);
    expect(text).toContain('subgraph grp_vpc["VPC 10.42.0.0/16, us-east-1d, us-east-1e"]');
    expect(text).toContain('subgraph grp_eks["EKS acme-llm-dev, Kubernetes 1.34, public endpoint (1 CIDR), FIPS"]');
    expect(mermaidLabel(m, 'pool_system')).toBe('system pool\nm7i.2xlarge, m6i.2xlarge\n2..9 nodes, managed node group');
    expect(mermaidLabel(m, 'pool_h100')).toBe('GPU pool h100\np5.48xlarge: 8 x H100 80 GiB\n0..3 nodes, Karpenter, spot\ncapacity 24 GPUs, requested 24');
    expect(hasEdge(m, 'karpenter', 'pool_h100')).toBe(true);
    expect(mermaidLabel(m, 'policy_gatekeeper')).toMatch(/^OPA Gatekeeper/);
    expect(m.nodes.has('policy_vap')).toBe(false);
    expect(mermaidLabel(m, 'model_qwen_72b')).toContain('weights hf:Qwen/Qwen2-72B @ 0e9e39f249a16976918f6564b8830bc894c89659');
    expect(hasEdge(m, 'aws_model_store', 'model_qwen_72b')).toBe(false); // not in the model store
    expect(mermaidLabel(m, 'model_embedder')).toContain('weights pvc:embedder-weights/bge @ v3');
    expect(mermaidLabel(m, 'obs_otel')).toContain('pipelines: logs');
    expect(hasEdge(m, 'obs_otel', 'ext_logs', 'OTLP logs')).toBe(true);
    expect(m.nodes.has('obs_dashboards')).toBe(false);
    expect(mermaidLabel(m, 'argocd_addons')).toContain('gatekeeper');
    expect(mermaidLabel(m, 'argocd_appset_tenants')).toContain('2 AppProjects');
  });

  test('odd characters in labels are escaped for each format', () => {
    const odd = 'Search "Admins" <sre> & #ops | a;b `x` [y] {z} \\ é';
    const spec = smallSpec({
      tenants: [{ name: 'search', gpuQuota: 5, adminGroups: [odd] }],
      gitops: { repoUrl: 'https://git.example.com/a"b<c>&d|e#f;g.git' },
    });
    const mermaid = PlatformDiagram.mermaid(spec);
    const m = parseMermaid(mermaid); // a raw quote would end the label and fail the node pattern
    expect(mermaidLabel(m, 'tenant_search')).toBe(`namespace search\nGPU quota 5\nadmins ${odd}`);
    expect(mermaidLabel(m, 'ext_gitops_repo')).toContain('https://git.example.com/a"b<c>&d|e#f;g.git');
    expect(m.nodes.get('tenant_search')).toContain('#34;Admins#34; #60;sre#62; #38; #35;ops #124; a#59;b #96;x#96; #91;y#93; #123;z#125; #92; #233;');
    const dot = PlatformDiagram.dot(spec);
    const d = parseDot(dot);
    expect(d.nodes.get('tenant_search')).toBe(`namespace search\\nGPU quota 5\\nadmins ${odd}`);
    expect(dot).toContain('admins Search \\"Admins\\" <sre> & #ops | a;b `x` [y] {z} \\\\ é"');
  });

  test('escapers handle quotes, backslashes, control characters and non-ASCII', () => {
    expect(mermaidText('a"b')).toBe('a#34;b');
    expect(mermaidText('line\nbreak\ttab')).toBe('line break tab');
    expect(mermaidText('<br/>')).toBe('#60;br/#62;');
    expect(mermaidText('GPU × 2')).toBe('GPU #215; 2');
    expect(mermaidText('😀')).toBe('#128512;');
    expect(dotText('a"b\\c\nd')).toBe('a\\"b\\\\c d');
  });

  test('ids are stable, readable and unique even when names sanitize alike', () => {
    const g = new DiagramGraph();
    expect(g.id('model', 'llama3-8b')).toBe('model_llama3_8b');
    expect(g.id('model', 'llama3.8b')).toBe('model_llama3_8b_2');
    expect(g.id('model', 'llama3-8b')).toBe('model_llama3_8b');
    expect(g.id('model', 'llama3_8b')).toBe('model_llama3_8b_3');
    expect(g.id('root')).toBe('root_2'); // the root group's id is taken
    const n = g.node(g.root, g.id('a'), ['a'], NodeClass.MODEL);
    expect(() => g.node(g.root, n, ['a'], NodeClass.MODEL)).toThrow(/declares a node twice/);
    expect(() => g.edge(n, 'missing')).toThrow(/undeclared node/);
  });

  test('an invalid spec is rejected with every problem naming its spec path', () => {
    const spec = smallSpec({ models: [{ ...smallSpec().models![0], gpuPool: 'missing', tenant: 'nobody' }] });
    const error = validationErrorOf(() => PlatformDiagram.mermaid(spec));
    expect(error.message).toContain('models[0].gpuPool');
    expect(error.message).toContain('models[0].tenant');
    expect(() => PlatformDiagram.dot(spec)).toThrow(/models\[0\]\.gpuPool/);
  });

  test('markdown() fences the Mermaid diagram; write() writes both files', () => {
    const spec = smallSpec();
    expect(PlatformDiagram.markdown(spec)).toBe('```mermaid\n' + PlatformDiagram.mermaid(spec) + '```\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-'));
    try {
      const files = PlatformDiagram.write(spec, path.join(dir, 'out'));
      expect(files).toEqual([path.join(dir, 'out', 'architecture.mmd'), path.join(dir, 'out', 'architecture.dot')]);
      expect(fs.readFileSync(files[0], 'utf-8')).toBe(PlatformDiagram.mermaid(spec));
      expect(fs.readFileSync(files[1], 'utf-8')).toBe(PlatformDiagram.dot(spec));
      expect(PlatformDiagram.MERMAID_FILE).toBe('architecture.mmd');
      expect(PlatformDiagram.DOT_FILE).toBe('architecture.dot');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PlatformDiagram of a fleet', () => {
  const fleet = new Fleet(registeredFleetSpec({ overrides: [{ environment: 'staging', gpuPools: [{ name: 'a10g', maxNodes: 6 }] }] }));
  const mermaid = PlatformDiagram.fleetMermaid(fleet);

  test('environments in promotion order as groups, each cluster with its region, account, registration and overrides', () => {
    expect(mermaid).toContain('subgraph env_staging["staging (promoted 1 of 2)"]');
    expect(mermaid.indexOf('env_staging')).toBeLessThan(mermaid.indexOf('env_prod'));
    expect(mermaid).toContain('cluster_staging["EKS acme-llm-staging<br/>us-east-1, account 111111111111<br/>registered<br/>1 override: gpuPools#91;a10g#93;.maxNodes"]:::cluster');
    expect(mermaid).toContain('cluster_prod_us_east_1["EKS acme-llm-prod-us-east-1<br/>us-east-1, account 222222222222<br/>runs the hub"]:::cluster');
  });

  test("the hub's edges carry the RollingSync stage that reaches each cluster; the repository feeds the hub", () => {
    expect(mermaid).toContain('repo -->|"reads"| hub');
    expect(mermaid).toContain('hub -->|"stage 1"| cluster_staging');
    expect(mermaid).toContain('hub ==>|"stage 2"| cluster_prod_us_east_1');
    expect(mermaid).toContain('hub -->|"stage 3"| cluster_prod_eu_west_1');
  });

  test('an unregistered cluster has no edge; without progressive sync the edges say syncs; DOT renders the same graph', () => {
    const unregistered = PlatformDiagram.fleetMermaid(new Fleet(fleetSpec({ progressiveSync: false })));
    expect(unregistered).toContain('not registered yet');
    expect(unregistered).not.toContain('| cluster_staging');
    expect(unregistered).toContain('hub ==>|"syncs"| cluster_prod_us_east_1');
    const dot = PlatformDiagram.fleetDot(fleet);
    expect(dot).toMatch(/^digraph /m);
    expect(dot).toContain('cluster_staging');
    expect(dot).toContain('stage 3');
  });
});
