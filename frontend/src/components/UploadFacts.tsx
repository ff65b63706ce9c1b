// An uploaded dataset's origin in the data panel, and the way to delete it (asked twice).
import { useState } from "react";
import { api, errorMessage } from "../api/client";
import type { DatasetInfo, UploadFacts as Facts } from "../api/types";
import { useActions, usePlayground } from "../context";
import { useReloadDatasets } from "../hooks/useDatasets";

export function UploadFacts({ upload, locked }: { upload: Facts; locked: boolean }) {
  const actions = useActions();
  const datasets = usePlayground((s) => s.catalog.datasets);
  const reload = useReloadDatasets();
  const [asked, setAsked] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const remove = async () => {
    if (!asked) {
      setAsked(true);
      return;
    }
    try {
      await api.deleteDataset(upload.id);
      const fallback: DatasetInfo | undefined = datasets.find((d) => d.available && d.upload === undefined);
      await reload();
      if (fallback) actions.setDataset(fallback.name);
    } catch (error) {
      setProblem(errorMessage(error));
      setAsked(false);
    }
  };

  return (
    <div className="upload-facts" data-testid="upload-facts">
      <p className="note">
        uploaded from {upload.filename} · {upload.n_samples} samples
      </p>
      {upload.deletable && (
        <button type="button" data-testid="btn-delete-dataset" disabled={locked} onClick={() => void remove()} onBlur={() => setAsked(false)}>
          {asked ? "really delete it?" : "delete this dataset"}
        </button>
      )}
      {problem && (
        <p className="upload-error" role="alert" data-testid="delete-dataset-error">
          {problem}
        </p>
      )}
    </div>
  );
}
