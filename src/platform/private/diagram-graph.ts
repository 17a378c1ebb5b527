import { ValidationError } from '../../core/errors';

/**
 * The renderer-neutral architecture graph `PlatformDiagram` builds from a spec and renders as Mermaid
 * or Graphviz DOT: nested groups (subgraphs / clusters) of nodes, and labelled edges between nodes.
 * Ids are stable and readable (`model_llama3_8b`), derived from the kind and names of what a node shows.
 */

/** Node shapes both renderers support. */
export enum NodeShape {
  BOX = 'box',
  ROUNDED = 'rounded',
  CYLINDER = 'cylinder',
  HEXAGON = 'hexagon',
  STADIUM = 'stadium',
  SUBROUTINE = 'subroutine',
}

/** Edge styles both renderers support. */
export enum EdgeStyle {
  SOLID = 'solid',
  DASHED = 'dashed',
  THICK = 'thick',
}

/** Colour classes (Mermaid `classDef`, DOT fill colours). */
export enum NodeClass {
  AWS = 'aws',
  CLUSTER = 'cluster',
  GPU = 'gpu',
  TENANT = 'tenant',
  MODEL = 'model',
  POLICY = 'policy',
  MESH = 'mesh',
  OBSERVABILITY = 'obs',
  GITOPS = 'gitops',
  AUDIT = 'audit',
  EXTERNAL = 'ext',
}

export interface DiagramNode {
  readonly id: string;
  /** Label lines (plain text; each renderer escapes and joins them). */
  readonly lines: string[];
  readonly shape: NodeShape;
  readonly cls: NodeClass;
}

export interface DiagramGroup {
  readonly id: string;
  readonly label: string;
  readonly nodes: DiagramNode[];
  readonly groups: DiagramGroup[];
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style: EdgeStyle;
}

/** Fill and stroke colours per class (shared by both renderers so the pictures match). */
export const CLASS_COLOURS: Record<NodeClass, { fill: string; stroke: string }> = {
  [NodeClass.AWS]: { fill: '#fff3e0', stroke: '#e65100' },
  [NodeClass.CLUSTER]: { fill: '#e3f2fd', stroke: '#1565c0' },
  [NodeClass.GPU]: { fill: '#e8f5e9', stroke: '#2e7d32' },
  [NodeClass.TENANT]: { fill: '#f3e5f5', stroke: '#6a1b9a' },
  [NodeClass.MODEL]: { fill: '#ede7f6', stroke: '#4527a0' },
  [NodeClass.POLICY]: { fill: '#ffebee', stroke: '#c62828' },
  [NodeClass.MESH]: { fill: '#e0f7fa', stroke: '#00838f' },
  [NodeClass.OBSERVABILITY]: { fill: '#fffde7', stroke: '#f9a825' },
  [NodeClass.GITOPS]: { fill: '#fce4ec', stroke: '#ad1457' },
  [NodeClass.AUDIT]: { fill: '#efebe9', stroke: '#4e342e' },
  [NodeClass.EXTERNAL]: { fill: '#f5f5f5', stroke: '#616161' },
};

/**
 * A graph under construction. Groups nest; nodes belong to exactly one group (or the root); edges may
 * only connect declared nodes (checked when they are added, so a renderer never emits a dangling edge).
 */
export class DiagramGraph {
  public readonly root: DiagramGroup = { id: 'root', label: '', nodes: [], groups: [] };
  public readonly edges: DiagramEdge[] = [];
  private readonly ids = new Map<string, string>();
  private readonly taken = new Set<string>(['root']);
  private readonly nodeIds = new Set<string>();

  /**
   * The stable id of `kind` + `parts`: `<kind>_<parts>` with every run of characters outside
   * `[A-Za-z0-9]` replaced by `_`. Distinct keys that sanitize alike get `_2`, `_3`, ... in the order
   * they are first asked for (the builder asks in sorted order, so ids do not depend on spec order).
   */
  public id(kind: string, ...parts: string[]): string {
    const key = JSON.stringify([kind, ...parts]);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const base = [kind, ...parts].map(sanitize).filter((p) => p.length > 0).join('_');
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    this.ids.set(key, id);
    return id;
  }

  public group(parent: DiagramGroup, id: string, label: string): DiagramGroup {
    const g: DiagramGroup = { id, label, nodes: [], groups: [] };
    parent.groups.push(g);
    return g;
  }

  public node(parent: DiagramGroup, id: string, lines: string[], cls: NodeClass, shape: NodeShape = NodeShape.BOX): string {
    if (this.nodeIds.has(id)) throw new ValidationError('diagram', 'declares a node twice', id, 'report this as a bug: node ids are unique per spec element');
    this.nodeIds.add(id);
    parent.nodes.push({ id, lines, shape, cls });
    return id;
  }

  public edge(from: string, to: string, label?: string, style: EdgeStyle = EdgeStyle.SOLID): void {
    if (!this.nodeIds.has(from) || !this.nodeIds.has(to)) {
      throw new ValidationError('diagram', 'has an edge to an undeclared node', `${from} -> ${to}`, 'report this as a bug: edges only join declared nodes');
    }
    this.edges.push({ from, to, label, style });
  }

  public hasNode(id: string): boolean {
    return this.nodeIds.has(id);
  }
}

function sanitize(part: string): string {
  return String(part).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}
