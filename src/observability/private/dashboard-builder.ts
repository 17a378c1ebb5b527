/**
 * A small typed builder for Grafana dashboard JSON (schemaVersion 39), enough for the platform's
 * dashboards: a Prometheus datasource variable, query variables, rows and time-series/stat panels laid
 * out two per row. `@grafana/grafana-foundation-sdk` could replace it.
 */

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** A panel. */
export interface PanelOptions {
  readonly title: string;
  readonly description?: string;
  /** Grafana unit id: `s`, `percentunit`, `reqps`, `watt`, `celsius`, `short`, ... */
  readonly unit: string;
  readonly queries: PanelQuery[];
  /** @default 'timeseries' */
  readonly type?: 'timeseries' | 'stat';
  /** Threshold (red above). */
  readonly redAbove?: number;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

export class DashboardBuilder {
  private readonly variables: any[] = [{
    name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0,
  }];
  private readonly panels: any[] = [];
  private readonly allQueries: string[] = [];
  private y = 0;
  private x = 0;
  private nextId = 1;

  constructor(private readonly uid: string, private readonly title: string, private readonly tags: string[]) {}

  /** A multi-value query variable (`label_values(...)`), `All` included. */
  public variable(name: string, label: string, query: string): this {
    this.variables.push({
      name,
      label,
      type: 'query',
      datasource: DATASOURCE,
      query: { query, refId: `${name}-query` },
      definition: query,
      refresh: 2,
      multi: true,
      includeAll: true,
      allValue: '.*',
      current: {},
      sort: 1,
      hide: 0,
    });
    return this;
  }

  /** Start a row. */
  public row(title: string): this {
    if (this.x !== 0) this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: this.y }, panels: [] });
    this.y += 1;
    return this;
  }

  /** Add a panel (two per line). */
  public panel(options: PanelOptions): this {
    const refIds = 'ABCDEFGHIJ';
    const thresholds = options.redAbove === undefined
      ? { mode: 'absolute', steps: [{ color: 'green', value: null }] }
      : { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: options.redAbove }] };
    this.panels.push({
      id: this.nextId++,
      type: options.type ?? 'timeseries',
      title: options.title,
      ...(options.description ? { description: options.description } : {}),
      datasource: DATASOURCE,
      gridPos: { h: PANEL_HEIGHT, w: PANEL_WIDTH, x: this.x, y: this.y },
      fieldConfig: { defaults: { unit: options.unit, thresholds }, overrides: [] },
      options: options.type === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background' }
        : { legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: options.queries.map((q, i) => ({ refId: refIds[i], datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend, range: true })),
    });
    this.allQueries.push(...options.queries.map((q) => q.expr));
    this.x += PANEL_WIDTH;
    if (this.x >= 24) this.newLine();
    return this;
  }

  /** Every panel query, in order. */
  public queries(): string[] {
    return [...this.allQueries];
  }

  /** Every variable query, in order. */
  public variableQueries(): string[] {
    return this.variables.filter((v) => v.type === 'query').map((v) => v.definition);
  }

  /** The dashboard JSON model. */
  public build(): any {
    return {
      uid: this.uid,
      title: this.title,
      tags: [...this.tags],
      editable: false,
      graphTooltip: 1,
      schemaVersion: 39,
      version: 1,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      timezone: 'utc',
      templating: { list: this.variables },
      annotations: { list: [] },
      panels: this.panels,
    };
  }

  private newLine(): void {
    this.x = 0;
    this.y += PANEL_HEIGHT;
  }
}
