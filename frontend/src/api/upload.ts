// POST /api/datasets through XMLHttpRequest: fetch cannot report an upload's progress.
import { authHeaders, classCredentials } from "../classroom/credentials";
import { ApiError, refusalOf } from "./client";
import type { UploadedDataset } from "./types";

/** The form POST /api/datasets reads: the file, and the fields that apply to its kind. */
export interface UploadRequest {
  file: File;
  /** CSV: the label column; the other columns are the features. */
  label?: string;
  task?: "classification" | "regression" | "segmentation";
  /** Zip: side of the resized images, and 1 grey or 3 RGB. */
  size?: number;
  channels?: 1 | 3;
}

/** The multipart body of an upload. */
export function uploadForm(request: UploadRequest): FormData {
  const form = new FormData();
  form.append("file", request.file, request.file.name);
  if (request.label) form.append("label", request.label);
  if (request.task) form.append("task", request.task);
  if (request.size !== undefined) form.append("size", String(request.size));
  if (request.channels !== undefined) form.append("channels", String(request.channels));
  return form;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Upload a dataset, reporting the fraction sent (0..1); the new dataset, or the ApiError saying why not. */
export function uploadDataset(request: UploadRequest, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadedDataset> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/datasets");
    for (const [name, value] of Object.entries(authHeaders(classCredentials().token()))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = parsed(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && body !== null) {
        onProgress(1);
        resolve(body as UploadedDataset);
      } else reject(refusalOf(xhr.status, xhr.statusText, body));
    };
    xhr.onerror = () => reject(new ApiError(0, "cannot reach the LayerLab server"));
    xhr.onabort = () => reject(new DOMException("the upload was cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(uploadForm(request));
  });
}
