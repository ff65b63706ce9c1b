// The dataset: picker, its params (from its JSON Schema), what it holds, a preview of its samples, and uploads.
import { useShallow } from "zustand/react/shallow";
import { useLocked } from "../classroom/classState";
import { useActions, usePlayground } from "../context";
import { allErrors } from "../state/store";
import { DatasetPreviewView } from "./DatasetPreview";
import { formatShape } from "./LayerNodeView";
import { SchemaForm } from "./SchemaForm";
import { UploadButton } from "./UploadForm";
import { UploadFacts } from "./UploadFacts";

export function DataPanel() {
  const datasets = usePlayground((s) => s.catalog.datasets);
  const dataset = usePlayground((s) => s.dataset);
  const errors = usePlayground(useShallow((s) => allErrors(s).filter((e) => e.node === null && e.field?.startsWith("dataset"))));
  const actions = useActions();
  const info = datasets.find((d) => d.name === dataset.name);
  // In a class whose teacher locked the dataset: the picker and its params show but cannot change.
  const locked = useLocked("dataset");

  return (
    <section className="panel" aria-label="Dataset">
      <h2>Data</h2>
      {locked && (
        <p className="lock-note" data-testid="lock-note-dataset">
          🔒 locked by your teacher
        </p>
      )}
      <label className="row">
        <span>dataset</span>
        <select
          value={dataset.name}
          onChange={(e) => actions.setDataset(e.target.value)}
          disabled={locked}
          data-locked={locked || undefined}
          data-testid="dataset-select"
        >
          {!info && <option value={dataset.name}>{dataset.name}</option>}
          {datasets.map((d) => (
            <option key={d.name} value={d.name} disabled={!d.available} title={d.unavailable_reason ?? d.description}>
              {d.upload ? `${d.upload.filename} (uploaded)` : d.name}
              {d.available ? "" : " (files missing)"}
            </option>
          ))}
        </select>
      </label>
      {info && (
        <div className="dataset-info" data-testid="dataset-info">
          <p className="doc">{info.description}</p>
          <dl className="facts">
            <dt>task</dt>
            <dd>{info.task}</dd>
            <dt>input</dt>
            <dd>{formatShape(info.input_shape)}</dd>
            {info.n_classes !== null && info.n_classes > 0 && (
              <>
                <dt>classes</dt>
                <dd title={info.class_names.join(", ")}>
                  {info.n_classes}
                  {info.class_names.length > 0 && info.class_names.length <= 10 ? `: ${info.class_names.join(", ")}` : ""}
                </dd>
              </>
            )}
          </dl>
          {!info.available && <p className="note">{info.unavailable_reason}</p>}
          {info.upload && <UploadFacts upload={info.upload} locked={locked} />}
          {/* The first samples with the params below (fetched when they change; shared with the decision boundary's points). */}
          <DatasetPreviewView />
        </div>
      )}
      <UploadButton disabled={locked} />
      <details className="params">
        <summary>dataset params</summary>
        <fieldset className="lockable" disabled={locked} data-locked={locked || undefined}>
        <SchemaForm
          schema={info?.params_schema}
          values={dataset.params}
          onChange={actions.setDatasetParam}
          testIdPrefix="dataset-param-"
          errors={errors}
        />
        </fieldset>
      </details>
    </section>
  );
}
