// Entry: read the setup from the link (or start from the starter network), wire the
// store, the run controller and the stream, and render.
import "@xyflow/react/dist/style.css";
import "./styles.css";
import "./presentation.css";
import { ReactFlowProvider } from "@xyflow/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { api, errorMessage, streamUrl } from "./api/client";
import { App } from "./App";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { PRESENTATION_KEY } from "./components/Toolbar";
import { PlaygroundContext, type Playground } from "./context";
import { ProbeHub } from "./probes/hub";
import { Comparison } from "./run/comparison";
import { RunController } from "./run/controller";
import { MetricsLog } from "./run/metrics";
import { decodeSetupHash } from "./state/hash";
import { starterSetup } from "./state/setup";
import { createPlaygroundStore } from "./state/store";
import { RunStream, type StreamHandlers } from "./stream/client";

function boot(): Playground {
  const starter = starterSetup();
  let setup = starter;
  let problem: string | null = null;
  try {
    setup = decodeSetupHash(window.location.hash, starter) ?? starter;
  } catch (error) {
    problem = errorMessage(error);
  }
  const store = createPlaygroundStore({ setup });
  const actions = store.getState().actions;
  if (problem) actions.setNotice(`The link's setup could not be read (${problem}); the starter network is loaded.`);
  try {
    actions.setPresentation(localStorage.getItem(PRESENTATION_KEY) === "1");
  } catch {
    // No storage: the usual size.
  }
  const metrics = new MetricsLog();
  // One rate for the whole stream: the server keeps one max_hz per viewer, metrics and probes alike.
  const maxHz = 10;
  const makeHub = () => new ProbeHub({ maxHz, onProblem: (message) => actions.setNotice(message) });
  const probes = makeHub();
  const openStream = (runId: string, handlers: StreamHandlers) => new RunStream(streamUrl(runId), handlers, { topics: ["metrics"], maxHz });
  const controller = new RunController({ store, api, metrics, probes, openStream });
  const comparison = new Comparison({ store, api, metrics, probes, openStream, makeHub });
  return { store, controller, metrics, probes, comparison };
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <PlaygroundContext.Provider value={boot()}>
      <ReactFlowProvider>
        <ErrorBoundary>
          <App />
        </ErrorBoundary>
      </ReactFlowProvider>
    </PlaygroundContext.Provider>
  </StrictMode>,
);
