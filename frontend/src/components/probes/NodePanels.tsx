// The views of the selected node, under its params: activations, feature maps, ERF,
// weights and gradients, whichever apply to it (the probe registry's rules, in
// probes/topics.ts). Each subscribes to its topic only while shown (collapsing a view
// unsubscribes it; selecting another node moves them).
import { useCallback, useMemo, useState, type ComponentType } from "react";
import { usePlayground } from "../../context";
import { nodeViews, topicOf } from "../../probes/topics";
import { useProbeOptions } from "../../probes/useProbe";
import { erfMeta, floats, num, statsOf, type ProbeArray, type ProbeFrame } from "../../probes/unpack";
import { BLUE_ORANGE, VIRIDIS } from "../../render/colormap";
import { channelGrid, erf as drawErf, histogram as drawHistogram, type Ctx } from "../../render/draw";
import { gridLayout, type Grid } from "../../render/layout";
import { fmt, percent, ProbeCanvas, ProbePanel } from "./ProbePanel";

/** Width the side panel gives a drawing. */
const WIDTH = 290;
/** The feature-map sample picker's range: the probe batch's samples (the test set has at least these). */
export const MAX_SAMPLE = 63;

/**
 * The node probes the page has a view for, in the order shown. A probe the registry
 * serves and this lacks is not offered; adding one is adding its view here.
 */
const NODE_VIEWS = {
  activations: ActivationsPanel,
  feature_maps: FeatureMapsPanel,
  erf: ErfPanel,
  weights: WeightsPanel,
  gradients: GradientsPanel,
} satisfies Record<string, ComponentType<ViewProps>>;

export type NodeView = keyof typeof NODE_VIEWS;
const NODE_VIEW_NAMES = Object.keys(NODE_VIEWS) as NodeView[];

function useSelectedNode(): string | null {
  return usePlayground((s) => {
    let id: string | null = null;
    let count = 0;
    for (const n of s.nodes) {
      if (!n.selected) continue;
      count += 1;
      id = n.id;
    }
    return count === 1 ? id : null;
  });
}

export function NodePanels() {
  const id = useSelectedNode();
  const type = usePlayground((s) => (id ? s.nodes.find((n) => n.id === id)?.data.layerType : undefined));
  const report = usePlayground((s) => (id ? s.validation?.nodes[id] : undefined));
  const dataset = usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name));
  const probes = usePlayground((s) => s.catalog.probes);
  const [closed, setClosed] = useState<ReadonlySet<NodeView>>(() => new Set());
  const toggle = useCallback(
    (view: NodeView) =>
      setClosed((prev) => {
        const next = new Set(prev);
        if (!next.delete(view)) next.add(view);
        return next;
      }),
    [],
  );
  if (!id || !type) return null;
  const views = nodeViews(probes, NODE_VIEW_NAMES, { id, type, shape: report?.shape, params: report?.params }, dataset);
  if (views.length === 0) return null;
  return (
    <div className="node-probes" data-testid="probes-of-node" aria-label={`What ${id} does`}>
      {views.map((view) => {
        const Panel = NODE_VIEWS[view];
        return <Panel key={view} node={id} open={!closed.has(view)} onToggle={() => toggle(view)} />;
      })}
    </div>
  );
}

interface ViewProps {
  node: string;
  open: boolean;
  onToggle: () => void;
}

// --- histograms (activations, weights, gradients) ---

function drawStatsHistogram(ctx: Ctx, frame: ProbeFrame, width: number, height: number): void {
  const stats = statsOf(frame.header);
  drawHistogram(ctx, stats.edges, stats.counts, width, height);
}

function Histogram({ frame, label, testId }: { frame: ProbeFrame; label: string; testId: string }) {
  const stats = statsOf(frame.header);
  if (stats.counts.length === 0) return <p className="muted">No finite values.</p>;
  return (
    <figure className="probe-figure">
      <ProbeCanvas data={frame} draw={drawStatsHistogram} width={WIDTH} height={64} label={label} testId={testId} />
      <figcaption className="axis">
        <span>{fmt(stats.edges[0])}</span>
        <span>{label}</span>
        <span>{fmt(stats.edges[stats.edges.length - 1])}</span>
      </figcaption>
    </figure>
  );
}

function ActivationsPanel({ node, open, onToggle }: ViewProps) {
  return (
    <ProbePanel testId="panel-activations" title="Activations" topic={topicOf("activations", node)} what="activation statistics" open={open} onToggle={onToggle}>
      {(frame) => {
        const stats = statsOf(frame.header);
        const dead = num(frame.header.dead_fraction);
        const saturated = num(frame.header.saturated_fraction);
        return (
          <>
            <Histogram frame={frame} label={`values of ${node} on 64 test samples`} testId="activations-histogram" />
            <dl className="facts probe-facts">
              <dt>mean ± std</dt>
              <dd data-testid="activations-mean">
                {fmt(stats.mean)} ± {fmt(stats.std)}
              </dd>
              <dt>range</dt>
              <dd>
                {fmt(stats.min)} … {fmt(stats.max)}
              </dd>
              {dead !== null && (
                <>
                  <dt title="units never positive on the batch">dead units</dt>
                  <dd className={dead > 0.5 ? "bad" : undefined}>{percent(dead)}</dd>
                </>
              )}
              {saturated !== null && (
                <>
                  <dt title="values within 1% of the ends of the range">saturated</dt>
                  <dd className={saturated > 0.5 ? "bad" : undefined}>{percent(saturated)}</dd>
                </>
              )}
            </dl>
          </>
        );
      }}
    </ProbePanel>
  );
}

// --- feature maps ---

interface MapsData {
  array: ProbeArray;
  grid: Grid;
}

function drawMaps(ctx: Ctx, { array, grid }: MapsData): void {
  const [c = 0, h = 0, w = 0] = array.shape;
  // uint8 maps, 0..255 per channel: table indices as they are.
  channelGrid(ctx, array.dtype === "uint8" ? array.data : floats(array), c, h, w, grid, VIRIDIS, array.dtype === "uint8" ? "fixed" : "each");
}

function FeatureMaps({ frame, node }: { frame: ProbeFrame; node: string }) {
  const array = frame.arrays.maps;
  const data = useMemo<MapsData | null>(() => {
    if (!array || array.shape.length !== 3) return null;
    return { array, grid: gridLayout(array.shape[0] ?? 0, WIDTH, { maxCols: 8, maxCell: 72 }) };
  }, [array]);
  if (!data) return <p className="muted">This frame has no maps.</p>;
  const channels = num(frame.header.channels);
  const shown = array?.shape[0] ?? 0;
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawMaps}
        width={data.grid.width}
        height={data.grid.height}
        label={`${shown} channels of ${node}, each scaled to its own range (dark: low, yellow: high)`}
        testId="feature-maps-canvas"
      />
      <p className="probe-note" data-testid="feature-maps-count">
        {channels !== null && channels > shown ? `${shown} of ${channels} channels` : `${shown} channels`}, each scaled to its own
        min–max
      </p>
    </>
  );
}

function SamplePicker() {
  const [options, setOptions] = useProbeOptions();
  const set = (n: number) => setOptions({ sample: Math.max(0, Math.min(MAX_SAMPLE, Math.round(n))) });
  return (
    <div className="probe-controls">
      <label htmlFor="feature-maps-sample">test sample</label>
      <button type="button" onClick={() => set(options.sample - 1)} disabled={options.sample <= 0} aria-label="previous sample" data-testid="feature-maps-prev">
        ◀
      </button>
      <input
        id="feature-maps-sample"
        type="number"
        min={0}
        max={MAX_SAMPLE}
        step={1}
        value={options.sample}
        onChange={(e) => {
          const n = Number(e.target.value);
          if (e.target.value !== "" && Number.isFinite(n)) set(n);
        }}
        data-testid="feature-maps-sample"
      />
      <button type="button" onClick={() => set(options.sample + 1)} disabled={options.sample >= MAX_SAMPLE} aria-label="next sample" data-testid="feature-maps-next">
        ▶
      </button>
    </div>
  );
}

function FeatureMapsPanel({ node, open, onToggle }: ViewProps) {
  return (
    <ProbePanel
      testId="panel-feature-maps"
      title="Feature maps"
      topic={topicOf("feature_maps", node)}
      what="feature maps"
      open={open}
      onToggle={onToggle}
      extra={<SamplePicker />}
    >
      {(frame) => <FeatureMaps frame={frame} node={node} />}
    </ProbePanel>
  );
}

// --- effective receptive field ---

interface ErfData {
  frame: ProbeFrame;
  array: ProbeArray;
}

function drawErfMap(ctx: Ctx, { frame, array }: ErfData, width: number, height: number): void {
  const [h = 0, w = 0] = array.shape;
  const meta = erfMeta(frame.header);
  drawErf(ctx, floats(array), h, w, { width, height }, { box: meta.rfBox, centre: meta.centre, sigma: meta.sigma });
}

const px = (pair: [number, number] | null, digits = 2): string => (pair ? `${fmt(pair[0], digits + 1)} × ${fmt(pair[1], digits + 1)} px` : "–");

function Erf({ frame, node }: { frame: ProbeFrame; node: string }) {
  const array = frame.arrays.erf;
  const data = useMemo<ErfData | null>(() => (array && array.shape.length === 2 ? { frame, array } : null), [frame, array]);
  if (!data) return <p className="muted">This frame has no map.</p>;
  const [h = 1, w = 1] = data.array.shape;
  const scale = Math.min(200 / h, WIDTH / w);
  const meta = erfMeta(frame.header);
  return (
    <div className="erf">
      <ProbeCanvas
        data={data}
        draw={drawErfMap}
        width={Math.round(w * scale)}
        height={Math.round(h * scale)}
        label={`How much each input pixel sways the centre unit of ${node} (dark: not at all, yellow: most); white box: the theoretical receptive field; yellow ring: one sigma`}
        testId="erf-canvas"
      />
      <div className="colorbar" aria-hidden="true">
        <span>0</span>
        <span className="ramp viridis" />
        <span>peak</span>
      </div>
      <dl className="facts probe-facts">
        <dt title="the receptive field the architecture allows (white box)">theoretical field</dt>
        <dd data-testid="erf-rf-size">{meta.rfSize ? `${meta.rfSize[0]} × ${meta.rfSize[1]} px` : "–"}</dd>
        <dt title="spread of the effective field (standard deviation, rows × columns; yellow ring)">ERF σ</dt>
        <dd data-testid="erf-sigma">{px(meta.sigma)}</dd>
        <dt title="pixels holding 95% of the ERF's mass, as a share of the theoretical field's pixels">95% mass in</dt>
        <dd data-testid="erf-coverage">{meta.coverage === null ? "–" : `${percent(meta.coverage)} of the field`}</dd>
      </dl>
    </div>
  );
}

function ErfPanel({ node, open, onToggle }: ViewProps) {
  return (
    <ProbePanel
      testId="panel-erf"
      title="Effective receptive field"
      topic={topicOf("erf", node)}
      what="effective receptive field"
      open={open}
      onToggle={onToggle}
    >
      {(frame) => <Erf frame={frame} node={node} />}
    </ProbePanel>
  );
}

// --- weights and gradients ---

interface FiltersData {
  values: Float32Array;
  count: number;
  kh: number;
  kw: number;
  grid: Grid;
}

function drawFilters(ctx: Ctx, d: FiltersData): void {
  channelGrid(ctx, d.values, d.count, d.kh, d.kw, d.grid, BLUE_ORANGE, "shared");
}

/** The first input channel of each conv filter [out, in, kh, kw], on one shared signed scale. */
function Filters({ array }: { array: ProbeArray }) {
  const data = useMemo<FiltersData | null>(() => {
    const [out = 0, inputs = 0, kh = 0, kw = 0] = array.shape;
    if (array.shape.length !== 4 || out === 0 || inputs === 0) return null;
    const all = floats(array);
    const values = new Float32Array(out * kh * kw);
    for (let o = 0; o < out; o++) values.set(all.subarray(o * inputs * kh * kw, o * inputs * kh * kw + kh * kw), o * kh * kw);
    return { values, count: out, kh, kw, grid: gridLayout(out, WIDTH, { maxCols: 8, maxCell: 32 }) };
  }, [array]);
  if (!data) return null;
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawFilters}
        width={data.grid.width}
        height={data.grid.height}
        label="Each filter's weights on the first input channel (blue: negative, orange: positive)"
        testId="weights-filters"
      />
      <p className="probe-note">filters on input channel 0 (blue &lt; 0 &lt; orange)</p>
    </>
  );
}

function WeightsPanel({ node, open, onToggle }: ViewProps) {
  return (
    <ProbePanel testId="panel-weights" title="Weights" topic={topicOf("weights", node)} what="weights" open={open} onToggle={onToggle}>
      {(frame) => {
        const stats = statsOf(frame.header);
        const filters = frame.arrays.filters;
        return (
          <>
            {filters && <Filters array={filters} />}
            <Histogram frame={frame} label="weight values" testId="weights-histogram" />
            <dl className="facts probe-facts">
              <dt>count</dt>
              <dd>{fmt(num(frame.header.count), 6)}</dd>
              <dt>norm</dt>
              <dd data-testid="weights-norm">{fmt(num(frame.header.norm))}</dd>
              <dt>mean ± std</dt>
              <dd>
                {fmt(stats.mean)} ± {fmt(stats.std)}
              </dd>
            </dl>
          </>
        );
      }}
    </ProbePanel>
  );
}

function Norms({ norms, node }: { norms: Record<string, number | null>; node: string }) {
  const entries = Object.entries(norms).filter((e): e is [string, number] => e[1] !== null && e[1] > 0);
  if (entries.length === 0) return null;
  // Log scale: vanishing gradients are orders of magnitude apart.
  const logs = entries.map(([, v]) => Math.log10(v));
  const lo = Math.min(...logs) - 0.5;
  const hi = Math.max(...logs);
  return (
    <ul className="norms" aria-label="gradient norm per layer (log scale)" data-testid="gradients-norms">
      {entries.map(([id, v], i) => (
        <li key={id} className={id === node ? "current" : undefined}>
          <span className="norm-id">{id}</span>
          <span className="norm-bar">
            <span style={{ width: `${Math.max(2, (((logs[i] as number) - lo) / Math.max(hi - lo, 1e-9)) * 100)}%` }} />
          </span>
          <span className="norm-value">{fmt(v)}</span>
        </li>
      ))}
    </ul>
  );
}

function GradientsPanel({ node, open, onToggle }: ViewProps) {
  return (
    <ProbePanel testId="panel-gradients" title="Gradients" topic={topicOf("gradients", node)} what="gradients" open={open} onToggle={onToggle}>
      {(frame) => {
        const raw = frame.header.norms;
        const norms: Record<string, number | null> = {};
        if (typeof raw === "object" && raw !== null) for (const [k, v] of Object.entries(raw)) norms[k] = num(v);
        const stats = statsOf(frame.header);
        return (
          <>
            <p className="probe-note">gradient norm per layer, log scale (loss {fmt(num(frame.header.loss))})</p>
            <Norms norms={norms} node={node} />
            {stats.counts.length > 0 && <Histogram frame={frame} label={`gradient values of ${node}`} testId="gradients-histogram" />}
          </>
        );
      }}
    </ProbePanel>
  );
}
