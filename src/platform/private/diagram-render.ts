import { CLASS_COLOURS, DiagramGraph, DiagramGroup, DiagramNode, EdgeStyle, NodeClass, NodeShape } from './diagram-graph';

/**
 * Escape a label for a quoted Mermaid label (`id["..."]`, `-->|"..."|`, `subgraph id["..."]`): every
 * character outside a conservative safe set becomes a Mermaid entity code (`#34;` for `"`), so quotes,
 * `<`, `>`, `&`, `#`, `|`, `;`, backticks, square and curly brackets and non-ASCII text cannot end the label, inject
 * HTML or start a markdown string.
 */
export function mermaidText(text: string): string {
  let out = '';
  for (const ch of String(text)) {
    if (/^[A-Za-z0-9 .,:/_@=+\-%*!?'()]$/.test(ch)) out += ch;
    else if (/^[\u0000-\u001f\u007f]$/.test(ch)) out += ' ';
    else out += `#${ch.codePointAt(0)};`;
  }
  return out;
}

/** Escape text for a double-quoted DOT string (ids and labels): backslashes, quotes, control characters. */
export function dotText(text: string): string {
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
}

const MERMAID_SHAPES: Record<NodeShape, [string, string]> = {
  [NodeShape.BOX]: ['[', ']'],
  [NodeShape.ROUNDED]: ['(', ')'],
  [NodeShape.CYLINDER]: ['[(', ')]'],
  [NodeShape.HEXAGON]: ['{{', '}}'],
  [NodeShape.STADIUM]: ['([', '])'],
  [NodeShape.SUBROUTINE]: ['[[', ']]'],
};

const MERMAID_ARROWS: Record<EdgeStyle, string> = {
  [EdgeStyle.SOLID]: '-->',
  [EdgeStyle.DASHED]: '-.->',
  [EdgeStyle.THICK]: '==>',
};

/** Render as a Mermaid `flowchart` (nodes inside nested subgraphs, then edges, then class styles). */
export function renderMermaid(graph: DiagramGraph, title: string): string {
  const out: string[] = [];
  out.push('---');
  out.push(`title: ${JSON.stringify(title)}`); // a YAML double-quoted scalar
  out.push('---');
  out.push('flowchart LR');
  const used = new Set<NodeClass>();
  const node = (n: DiagramNode, indent: string) => {
    const [open, close] = MERMAID_SHAPES[n.shape];
    used.add(n.cls);
    out.push(`${indent}${n.id}${open}"${n.lines.map(mermaidText).join('<br/>')}"${close}:::${n.cls}`);
  };
  const group = (g: DiagramGroup, indent: string) => {
    out.push(`${indent}subgraph ${g.id}["${mermaidText(g.label)}"]`);
    for (const n of g.nodes) node(n, `${indent}  `);
    for (const child of g.groups) group(child, `${indent}  `);
    out.push(`${indent}end`);
  };
  for (const n of graph.root.nodes) node(n, '  ');
  for (const g of graph.root.groups) group(g, '  ');
  for (const e of graph.edges) {
    const label = e.label ? `|"${mermaidText(e.label)}"|` : '';
    out.push(`  ${e.from} ${MERMAID_ARROWS[e.style]}${label} ${e.to}`);
  }
  for (const cls of Object.values(NodeClass)) {
    if (!used.has(cls)) continue;
    const c = CLASS_COLOURS[cls];
    out.push(`  classDef ${cls} fill:${c.fill},stroke:${c.stroke},color:#212121`);
  }
  return out.join('\n') + '\n';
}

const DOT_SHAPES: Record<NodeShape, string> = {
  [NodeShape.BOX]: 'shape=box, style="filled"',
  [NodeShape.ROUNDED]: 'shape=box, style="rounded,filled"',
  [NodeShape.CYLINDER]: 'shape=cylinder, style="filled"',
  [NodeShape.HEXAGON]: 'shape=hexagon, style="filled"',
  [NodeShape.STADIUM]: 'shape=box, style="rounded,filled,bold"',
  [NodeShape.SUBROUTINE]: 'shape=component, style="filled"',
};

const DOT_EDGES: Record<EdgeStyle, string> = {
  [EdgeStyle.SOLID]: '',
  [EdgeStyle.DASHED]: 'style=dashed',
  [EdgeStyle.THICK]: 'penwidth=2',
};

/** Render as a Graphviz `digraph` (groups as `cluster_*` subgraphs, every id and label quoted). */
export function renderDot(graph: DiagramGraph, title: string): string {
  const q = (s: string) => `"${dotText(s)}"`;
  const out: string[] = [];
  out.push(`digraph ${q('platform')} {`);
  out.push(`  graph [label=${q(title)}, labelloc=t, rankdir=LR, compound=true, fontname="Helvetica", fontsize=12, newrank=true];`);
  out.push('  node [fontname="Helvetica", fontsize=10];');
  out.push('  edge [fontname="Helvetica", fontsize=9];');
  const node = (n: DiagramNode, indent: string) => {
    const c = CLASS_COLOURS[n.cls];
    const label = n.lines.map(dotText).join('\\n');
    out.push(`${indent}${q(n.id)} [label="${label}", ${DOT_SHAPES[n.shape]}, fillcolor=${q(c.fill)}, color=${q(c.stroke)}];`);
  };
  const group = (g: DiagramGroup, indent: string) => {
    out.push(`${indent}subgraph ${q(`cluster_${g.id}`)} {`);
    out.push(`${indent}  label=${q(g.label)};`);
    out.push(`${indent}  style="rounded";`);
    for (const n of g.nodes) node(n, `${indent}  `);
    for (const child of g.groups) group(child, `${indent}  `);
    out.push(`${indent}}`);
  };
  for (const n of graph.root.nodes) node(n, '  ');
  for (const g of graph.root.groups) group(g, '  ');
  for (const e of graph.edges) {
    const attrs = [e.label ? `label=${q(e.label)}` : '', DOT_EDGES[e.style]].filter((a) => a.length > 0);
    out.push(`  ${q(e.from)} -> ${q(e.to)}${attrs.length > 0 ? ` [${attrs.join(', ')}]` : ''};`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
