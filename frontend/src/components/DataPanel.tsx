// The dataset: picker, its params (from its JSON Schema) and what it holds.
import { useShallow } from "zustand/react/shallow";
import { useActions, usePlayground } from "../context";
import { allErrors } from "../state/store";
import { formatShape } from "./LayerNodeView";
import { SchemaForm } from "./SchemaForm";

export function DataPanel() {
  const datasets = usePlayground((s) => s.catalog.datasets);
  const dataset = usePlayground((s) => s.dataset);
  const errors = usePlayground(useShallow((s) => allErrors(s).filter((e) => e.node === null && e.field?.startsWith("dataset"))));
  const actions = useActions();
  const info = datasets.find((d) => d.name === dataset.name);

  return (
    <section className="panel" aria-label="Dataset">
      <h2>Data</h2>
      <label className="row">
        <span>dataset</span>
        <select value={dataset.name} onChange={(e) => actions.setDataset(e.target.value)} data-testid="dataset-select">
          {!info && <option value={dataset.name}>{dataset.name}</option>}
          {datasets.map((d) => (
            <option key={d.name} value={d.name} disabled={!d.available} title={d.unavailable_reason ?? d.description}>
              {d.name}
              {d.available ? "" : " (files missing)"}
            </option>
          ))}
        </select>
      </label>
      {info && (
        <div className="dataset-info" data-testid="dataset-info">
          <p className="doc">{info.description}</p>
          {/*
            TODO(preview): the issue asks for a preview (a scatter of the points for 2-D sets,
            a grid of samples for image sets). The API has no endpoint that serves samples yet,
            so nothing is drawn here rather than invented; once the server offers one
            (e.g. GET /api/datasets/{name}/samples), draw it in this panel.
          */}
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
        </div>
      )}
      <details className="params">
        <summary>dataset params</summary>
        <SchemaForm
          schema={info?.params_schema}
          values={dataset.params}
          onChange={actions.setDatasetParam}
          testIdPrefix="dataset-param-"
          errors={errors}
        />
      </details>
    </section>
  );
}
