// What every view of the selected node is given by the list (NodePanels.tsx), and the
// room the side panel gives its drawings.
import { topicOf } from "../../../probes/topics";

/** Width the side panel gives a drawing. */
export const WIDTH = 290;

/** A node view's props: its node, and whether the list shows it unfolded. */
export interface ViewProps {
  node: string;
  open: boolean;
  onToggle: () => void;
}

/** The ProbePanel props a node view passes on as they are: its probe's topic for the node, folded or not. */
export function panelOf(probe: string, { node, open, onToggle }: ViewProps): { topic: string; open: boolean; onToggle: () => void } {
  return { topic: topicOf(probe, node), open, onToggle };
}
