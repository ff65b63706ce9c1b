// The page's run as files the server makes of it: its spec (a run body that POST /api/runs
// makes again), a PyTorch script that builds and trains it, its weights at the last
// checkpoint, its network as an ONNX model, and a report page to hand in. Fetched with the
// class token and saved from a Blob, since a plain link could not send the header.
import { useState } from "react";
import { api, errorMessage } from "../api/client";
import type { RunExportFormat } from "../api/types";
import { usePlayground } from "../context";
import { saveFile } from "../download";

/** Each format the server exports, as the page offers it. */
const FORMATS: readonly { format: RunExportFormat; label: string; what: string; title: string }[] = [
  { format: "spec", label: "Spec (JSON)", what: "the spec", title: "The run's network, dataset and training settings: import it, or POST it to /api/runs" },
  { format: "pytorch", label: "PyTorch (.py)", what: "the PyTorch script", title: "One Python file: the network as an nn.Module, its data, the training loop, the loading of the weights" },
  { format: "safetensors", label: "Weights (safetensors)", what: "the weights", title: "The model's weights at the run's last checkpoint" },
  { format: "onnx", label: "ONNX", what: "the ONNX model", title: "The network with its last checkpoint's weights, for onnxruntime and other tools" },
  { format: "report", label: "Report (HTML)", what: "the report", title: "One page to hand in or share: the network, the curves, the final metrics, the config" },
];

/** Download buttons for the page's run, disabled while there is none; a refusal is said under them. */
export function RunExports() {
  const runId = usePlayground((s) => s.run.id);
  const [busy, setBusy] = useState<RunExportFormat | null>(null);
  // Kept with its run, so that a refusal about an earlier run is not shown for the next.
  const [problem, setProblem] = useState<{ run: string; text: string } | null>(null);

  const download = async (id: string, format: RunExportFormat, what: string) => {
    setBusy(format);
    try {
      const file = await api.exportRun(id, format);
      saveFile(file.name, file.blob);
      setProblem(null);
    } catch (error) {
      setProblem({ run: id, text: `Cannot download ${what}: ${errorMessage(error).replace(/\.$/, "")}.` });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="run-exports" role="group" aria-label="Download the run">
      {/* An icon, not words: the buttons keep to as few lines as they can in the narrow run panel. */}
      <span className="muted" aria-hidden="true" title="Download the run">
        ⤓
      </span>
      {FORMATS.map(({ format, label, what, title }) => (
        <button
          key={format}
          type="button"
          onClick={() => runId !== null && void download(runId, format, what)}
          disabled={runId === null || busy !== null}
          data-testid={`btn-export-${format}`}
          title={runId === null ? "Train a run first" : title}
        >
          {label}
        </button>
      ))}
      {problem !== null && problem.run === runId && (
        <p className="field-error" role="alert" data-testid="export-error">
          {problem.text}
        </p>
      )}
    </div>
  );
}
