// The drag-and-drop payload from the palette to the canvas.
export const LAYER_MIME = "application/x-layerlab-layer";
