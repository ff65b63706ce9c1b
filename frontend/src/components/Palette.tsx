// The layer palette, generated from GET /api/layers and grouped by category.
// Drag an item onto the canvas, or press Enter / double-click to add it in the middle.
// In a class whose teacher locked the network ("palette"), nothing can be dragged or added.
import { useReactFlow } from "@xyflow/react";
import { useMemo, type DragEvent, type KeyboardEvent } from "react";
import type { LayerInfo } from "../api/types";
import { useLocked } from "../classroom/classState";
import { useActions, usePlayground } from "../context";
import { LAYER_MIME } from "./dnd";

export const CATEGORY_ORDER = [
  "core",
  "convolution",
  "pooling",
  "activation",
  "normalization",
  "regularization",
  "merge",
] as const;

/** Layers grouped by category: the known order first, then any new category the server adds. */
export function groupLayers(layers: readonly LayerInfo[]): [string, LayerInfo[]][] {
  const groups = new Map<string, LayerInfo[]>();
  for (const c of CATEGORY_ORDER) groups.set(c, []);
  for (const layer of layers) {
    const list = groups.get(layer.category);
    if (list) list.push(layer);
    else groups.set(layer.category, [layer]);
  }
  return [...groups.entries()].filter(([, list]) => list.length > 0);
}

export function Palette() {
  const layers = usePlayground((s) => s.catalog.layers);
  const state = usePlayground((s) => s.catalogState);
  const { addNode } = useActions();
  const count = usePlayground((s) => s.nodes.length);
  const { screenToFlowPosition } = useReactFlow();
  const groups = useMemo(() => groupLayers(layers), [layers]);
  const locked = useLocked("palette");

  const addInMiddle = (type: string) => {
    if (locked) return;
    const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const at = rect
      ? screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 3 })
      : { x: 0, y: 0 };
    // Shift each new node a little so that several added in a row do not hide each other.
    const shift = (count % 5) * 24;
    addNode(type, { x: at.x - 60 + shift, y: at.y - 25 + shift });
  };

  const onDragStart = (event: DragEvent, type: string) => {
    if (locked) {
      event.preventDefault();
      return;
    }
    event.dataTransfer.setData(LAYER_MIME, type);
    event.dataTransfer.setData("text/plain", type);
    event.dataTransfer.effectAllowed = "copy";
  };

  const onKeyDown = (event: KeyboardEvent, type: string) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addInMiddle(type);
    }
  };

  return (
    <nav className={`palette${locked ? " locked" : ""}`} aria-label="Layers" data-locked={locked || undefined}>
      <h2>Layers</h2>
      {locked && (
        <p className="lock-note" data-testid="lock-note-palette">
          🔒 The network is locked by your teacher.
        </p>
      )}
      {state === "loading" && <p className="muted">Loading layers…</p>}
      {state === "error" && <p className="muted">No layers: the server did not answer.</p>}
      {groups.map(([category, list]) => (
        <section key={category} className={`palette-group cat-${category}`}>
          <h3>{category}</h3>
          <ul>
            {list.map((layer) => (
              <li
                key={layer.type}
                className="palette-item"
                data-testid={`palette-${layer.type}`}
                draggable={!locked}
                tabIndex={0}
                role="button"
                aria-disabled={locked || undefined}
                data-locked={locked || undefined}
                title={layer.doc}
                aria-description={layer.doc}
                onDragStart={(e) => onDragStart(e, layer.type)}
                onDoubleClick={() => addInMiddle(layer.type)}
                onKeyDown={(e) => onKeyDown(e, layer.type)}
              >
                <span className="swatch" aria-hidden="true" />
                <span className="palette-name">{layer.type}</span>
                <span className="palette-doc">{layer.doc}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
