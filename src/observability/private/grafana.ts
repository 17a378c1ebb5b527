/* eslint-disable @typescript-eslint/no-require-imports -- the SDK is required on first use, not at package load */
import type * as GrafanaCommon from '@grafana/grafana-foundation-sdk/common';
import type * as GrafanaDashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as GrafanaPrometheus from '@grafana/grafana-foundation-sdk/prometheus';
import type * as GrafanaStat from '@grafana/grafana-foundation-sdk/stat';
import type * as GrafanaTimeseries from '@grafana/grafana-foundation-sdk/timeseries';

interface GrafanaSdk {
  readonly common: typeof GrafanaCommon;
  readonly dashboard: typeof GrafanaDashboard;
  readonly prometheus: typeof GrafanaPrometheus;
  readonly stat: typeof GrafanaStat;
  readonly timeseries: typeof GrafanaTimeseries;
}
type Dashboard = GrafanaDashboard.Dashboard;
type DashboardBuilder = GrafanaDashboard.DashboardBuilder;
type ThresholdsConfigBuilder = GrafanaDashboard.ThresholdsConfigBuilder;
type DataqueryBuilder = GrafanaPrometheus.DataqueryBuilder;

let loadedSdk: GrafanaSdk | undefined;
/**
 * The SDK's modules, loaded with the first dashboard: they are about 220 modules (60 ms), which loading
 * the package must not pay for when no dashboard is built (issue 18).
 */
function sdk(): GrafanaSdk {
  loadedSdk ??= {
    common: require('@grafana/grafana-foundation-sdk/common'),
    dashboard: require('@grafana/grafana-foundation-sdk/dashboard'),
    prometheus: require('@grafana/grafana-foundation-sdk/prometheus'),
    stat: require('@grafana/grafana-foundation-sdk/stat'),
    timeseries: require('@grafana/grafana-foundation-sdk/timeseries'),
  };
  return loadedSdk;
}

/**
 * Helpers around `@grafana/grafana-foundation-sdk` for the platform's dashboards. The SDK builds the
 * dashboard model and lays panels out on the grid; these helpers only fix the platform's conventions
 * (the `datasource` variable, panel size, legends, thresholds) and hand out stable panel ids. The SDK
 * stays out of the public API: constructs take and expose plain strings only.
 */

/** Every panel and query reads the Prometheus data source chosen in the `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Two panels per line on Grafana's 24-column grid. */
const PANEL_WIDTH = 12;
/** Grid rows (30 px each) per panel. */
const PANEL_HEIGHT = 8;
/** Grafana's own refId for queries made in the Prometheus variable editor. */
const VARIABLE_REF_ID = 'PrometheusVariableQueryEditor-VariableQuery';

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
  /** Threshold (red at and above). */
  readonly redAbove?: number;
}

/**
 * A platform dashboard on the SDK's `DashboardBuilder`: read-only, UTC, last 6 hours refreshed every
 * 30 s, shared crosshair, the built-in annotations and a Prometheus `datasource` variable. Panels are
 * numbered in the order they are added (rows included), so ids are stable.
 */
export class PlatformDashboard {
  private readonly builder: DashboardBuilder;
  private nextId = 1;

  constructor(uid: string, title: string, tags: string[]) {
    this.builder = new (sdk().dashboard.DashboardBuilder)(title)
      .uid(uid)
      .tags([...tags])
      .readonly()
      .tooltip(sdk().dashboard.DashboardCursorSync.Crosshair)
      .timezone('utc')
      .time({ from: 'now-6h', to: 'now' })
      .refresh('30s')
      .annotation(new (sdk().dashboard.AnnotationQueryBuilder)()
        .name('Annotations & Alerts')
        .builtIn(1)
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .type('dashboard'))
      .withVariable(new (sdk().dashboard.DatasourceVariableBuilder)('datasource').label('Data source').type('prometheus'));
  }

  /** A multi-value variable over the values of `labelName` on the series `metricSelector` selects (`All` = `.*`). */
  public labelValuesVariable(name: string, label: string, metricSelector: string, labelName: string): this {
    const query = `label_values(${metricSelector}, ${labelName})`;
    this.builder.withVariable(new (sdk().dashboard.QueryVariableBuilder)(name)
      .label(label)
      .datasource(DATASOURCE)
      .query({ qryType: 1, query, refId: VARIABLE_REF_ID })
      .definition(query)
      .refresh(sdk().dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(sdk().dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*'));
    return this;
  }

  /** Start a row (not collapsed: the panels that follow sit under it). */
  public row(title: string): this {
    this.builder.withRow(new (sdk().dashboard.RowBuilder)(title).id(this.nextId++));
    return this;
  }

  /** A time series panel with a table legend (mean, max) and a multi-series tooltip. */
  public timeSeries(o: PanelOptions): this {
    const panel = new (sdk().timeseries.PanelBuilder)()
      .id(this.nextId++)
      .title(o.title)
      .datasource(DATASOURCE)
      .height(PANEL_HEIGHT)
      .span(PANEL_WIDTH)
      .unit(o.unit)
      .thresholds(thresholds(o.redAbove))
      .legend(new (sdk().common.VizLegendOptionsBuilder)().showLegend(true).displayMode(sdk().common.LegendDisplayMode.Table).placement(sdk().common.LegendPlacement.Bottom).calcs(['mean', 'max']))
      .tooltip(new (sdk().common.VizTooltipOptionsBuilder)().mode(sdk().common.TooltipDisplayMode.Multi).sort(sdk().common.SortOrder.Descending))
      .targets(targets(o.queries));
    if (o.description) panel.description(o.description);
    this.builder.withPanel(panel);
    return this;
  }

  /** A stat panel showing the last value, coloured by its thresholds. */
  public stat(o: PanelOptions): this {
    const panel = new (sdk().stat.PanelBuilder)()
      .id(this.nextId++)
      .title(o.title)
      .datasource(DATASOURCE)
      .height(PANEL_HEIGHT)
      .span(PANEL_WIDTH)
      .unit(o.unit)
      .thresholds(thresholds(o.redAbove))
      .reduceOptions(new (sdk().common.ReduceDataOptionsBuilder)().calcs(['lastNotNull']).values(false))
      .colorMode(sdk().common.BigValueColorMode.Background)
      .graphMode(sdk().common.BigValueGraphMode.None)
      .targets(targets(o.queries));
    if (o.description) panel.description(o.description);
    this.builder.withPanel(panel);
    return this;
  }

  /** The dashboard model (plain JSON-serializable object). */
  public build(): Dashboard {
    return this.builder.build();
  }
}

/** Every panel query of a built dashboard, in panel order (rows have none). */
export function panelQueries(model: Dashboard): string[] {
  return (model.panels ?? []).flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string));
}

function targets(queries: PanelQuery[]): DataqueryBuilder[] {
  return queries.map((q, i) => new (sdk().prometheus.DataqueryBuilder)()
    .refId(String.fromCharCode(65 + i)) // A, B, C, ...
    .datasource(DATASOURCE)
    .expr(q.expr)
    .legendFormat(q.legend)
    .range());
}

function thresholds(redAbove: number | undefined): ThresholdsConfigBuilder {
  const steps: Array<{ color: string; value: number | null }> = [{ color: 'green', value: null }];
  if (redAbove !== undefined) steps.push({ color: 'red', value: redAbove });
  return new (sdk().dashboard.ThresholdsConfigBuilder)().mode(sdk().dashboard.ThresholdsMode.Absolute).steps(steps);
}
