// The data panel's upload: a button that opens a small form (the file; a CSV's label column,
// a zip's image size and colour), the upload's progress, and the server's words on a refusal.
// The new dataset is then listed, picked and previewed.
import { useState, type FormEvent } from "react";
import "./Upload.css";
import { errorMessage } from "../api/client";
import { uploadDataset, type UploadRequest } from "../api/upload";
import { useActions } from "../context";
import { csvColumns, isCsv } from "../data/csvHeader";
import { useReloadDatasets } from "../hooks/useDatasets";

/** Bytes of a CSV read for its header line. */
const HEADER_BYTES = 64 * 1024;
const SIZES = [16, 28, 32, 48, 64];

type Sending = { state: "idle" } | { state: "sending"; fraction: number } | { state: "done"; name: string } | { state: "error"; message: string };

export function UploadButton({ disabled }: { disabled: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="upload">
      <button type="button" data-testid="btn-upload" aria-expanded={open} disabled={disabled} onClick={() => setOpen(!open)}>
        ⤒ upload your data…
      </button>
      {open && <UploadForm />}
    </div>
  );
}

function UploadForm() {
  const actions = useActions();
  const reload = useReloadDatasets();
  const [file, setFile] = useState<File | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [label, setLabel] = useState("");
  const [task, setTask] = useState<"" | "classification" | "regression">("");
  const [size, setSize] = useState(32);
  const [channels, setChannels] = useState<1 | 3>(3);
  const [sending, setSending] = useState<Sending>({ state: "idle" });
  const csv = file !== null && isCsv(file.name);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setColumns([]);
    setLabel("");
    setSending({ state: "idle" });
    if (chosen === null || !isCsv(chosen.name)) return;
    // The header line offers the columns; the last is the usual place for the label.
    void chosen
      .slice(0, HEADER_BYTES)
      .text()
      .then((text) => {
        const names = csvColumns(text);
        setColumns(names);
        setLabel(names.at(-1) ?? "");
      })
      .catch(() => setColumns([]));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return;
    const request: UploadRequest = csv ? { file, label, ...(task ? { task } : {}) } : { file, size, channels };
    setSending({ state: "sending", fraction: 0 });
    try {
      const dataset = await uploadDataset(request, (fraction) => setSending({ state: "sending", fraction }));
      await reload();
      actions.setDataset(dataset.name);
      setSending({ state: "done", name: dataset.upload.filename });
    } catch (error) {
      setSending({ state: "error", message: errorMessage(error) });
    }
  };

  const busy = sending.state === "sending";
  return (
    <form className="upload-form" data-testid="upload-form" onSubmit={(e) => void submit(e)}>
      <label className="row">
        <span>file</span>
        <input type="file" accept=".csv,.zip,text/csv,application/zip" data-testid="upload-file" disabled={busy} onChange={(e) => choose(e.target.files?.[0] ?? null)} />
      </label>
      <p className="doc">A CSV (numeric columns and a label), a zip with one folder of PNG or JPEG images per class, or a zip of images/ and masks/ for segmentation.</p>
      {csv && (
        <>
          <label className="row">
            <span>label column</span>
            {columns.length > 0 ? (
              <select value={label} onChange={(e) => setLabel(e.target.value)} data-testid="upload-label" disabled={busy}>
                {columns.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            ) : (
              <input value={label} onChange={(e) => setLabel(e.target.value)} data-testid="upload-label" disabled={busy} />
            )}
          </label>
          <label className="row">
            <span>task</span>
            <select value={task} onChange={(e) => setTask(e.target.value as typeof task)} data-testid="upload-task" disabled={busy}>
              <option value="">inferred from the labels</option>
              <option value="classification">classification</option>
              <option value="regression">regression</option>
            </select>
          </label>
        </>
      )}
      {file !== null && !csv && (
        <>
          <label className="row">
            <span>image size</span>
            <select value={size} onChange={(e) => setSize(Number(e.target.value))} data-testid="upload-size" disabled={busy}>
              {SIZES.map((s) => (
                <option key={s} value={s}>
                  {s} × {s}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            <span>colour</span>
            <select value={channels} onChange={(e) => setChannels(Number(e.target.value) === 1 ? 1 : 3)} data-testid="upload-channels" disabled={busy}>
              <option value={3}>RGB</option>
              <option value={1}>grey</option>
            </select>
          </label>
        </>
      )}
      <button type="submit" data-testid="upload-submit" disabled={file === null || busy || (csv && !label)}>
        upload
      </button>
      <UploadStatus sending={sending} />
    </form>
  );
}

function UploadStatus({ sending }: { sending: Sending }) {
  if (sending.state === "idle") return null;
  if (sending.state === "error") {
    return (
      <p className="upload-error" role="alert" data-testid="upload-error">
        {sending.message}
      </p>
    );
  }
  const fraction = sending.state === "done" ? 1 : sending.fraction;
  return (
    <div className="upload-progress-row">
      <progress data-testid="upload-progress" data-state={sending.state} value={fraction} max={1} aria-label="upload progress" />
      <span role="status">{sending.state === "done" ? `uploaded ${sending.name}` : fraction < 1 ? `${Math.round(fraction * 100)}% sent` : "checking the file…"}</span>
    </div>
  );
}
