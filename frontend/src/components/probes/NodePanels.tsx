// The views of the selected node, under its params: activations, which axes a norm layer
// normalizes, feature maps, the shift test, ERF, weights, a convolution's matrix and
// gradients, whichever apply to it (the probe registry's rules, in probes/topics.ts), each
// in its module under node/. Each subscribes to its topic only while shown (collapsing a
// view unsubscribes it; selecting another node moves them); a lesson unfolds the one it names.
import { useCallback, useState, type ComponentType } from "react";
import { useHiddenPanels } from "../../classroom/classState";
import { usePlayground } from "../../context";
import { lessonViews } from "../../lessons/lessons";
import { nodeViews } from "../../probes/topics";
import { ActivationsPanel } from "./node/ActivationsPanel";
import { ConvMatrixPanel } from "./node/ConvMatrixPanel";
import { ErfPanel } from "./node/ErfPanel";
import { FeatureMapsPanel } from "./node/FeatureMapsPanel";
import { GradientsPanel } from "./node/GradientsPanel";
import { NormalizationPanel } from "./node/NormalizationPanel";
import { ShiftPanel } from "./node/ShiftPanel";
import { WeightsPanel } from "./node/WeightsPanel";
import type { ViewProps } from "./node/view";

/**
 * The node probes the page has a view for, in the order shown. A probe the registry
 * serves and this lacks is not offered; adding one is adding its view here.
 */
const NODE_VIEWS = {
  activations: ActivationsPanel,
  normalization: NormalizationPanel,
  feature_maps: FeatureMapsPanel,
  shift: ShiftPanel,
  erf: ErfPanel,
  weights: WeightsPanel,
  conv_matrix: ConvMatrixPanel,
  gradients: GradientsPanel,
} satisfies Record<string, ComponentType<ViewProps>>;

export type NodeView = keyof typeof NODE_VIEWS;
const NODE_VIEW_NAMES = Object.keys(NODE_VIEWS) as NodeView[];

function isNodeView(view: string): view is NodeView {
  return (NODE_VIEW_NAMES as string[]).includes(view);
}

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
  const demo = usePlayground((s) => s.demo);
  const presets = usePlayground((s) => s.catalog.presets);
  // A class's teacher may hide some views from the students' pages.
  const hidden = useHiddenPanels();
  // A lesson just loaded that names a view of the selected node: that view open, the others folded.
  const [seen, setSeen] = useState(demo);
  if (demo !== seen) {
    setSeen(demo);
    const preset = demo && presets.find((p) => p.name === demo.name);
    const named = preset && id ? lessonViews(preset.lesson.panels, [id]).node : null;
    if (named && isNodeView(named.view)) setClosed(new Set(NODE_VIEW_NAMES.filter((view) => view !== named.view)));
  }
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
  const views = nodeViews(probes, NODE_VIEW_NAMES, { id, type, shape: report?.shape, params: report?.params }, dataset).filter((view) => !hidden.has(view));
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
