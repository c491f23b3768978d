/**
 * The face picker: the source photo with a box on every face found (left to right, as `liveportrait
 * crop --list` numbers them). Clicking a box adds or removes that face; every chosen face follows the
 * driver. At least one face stays chosen.
 */
export type FaceBox = readonly [number, number, number, number];

export interface FacePickerState {
  faces: readonly FaceBox[];
  chosen: number[];
}

export class FacePicker {
  private photo?: ImageBitmap;
  private state: FacePickerState = { faces: [], chosen: [] };
  private width = 0;
  private height = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: (chosen: number[]) => void,
  ) {
    canvas.addEventListener('click', (e) => this.click(e));
  }

  /** A new photo (its bitmap, for drawing) at the size the faces were found in. */
  setPhoto(photo: ImageBitmap): void {
    this.photo?.close();
    this.photo = photo;
  }

  /** Faces found in the prepared photo (`width`×`height`) and the ones being animated. */
  show(width: number, height: number, state: FacePickerState): void {
    this.width = width;
    this.height = height;
    this.state = { faces: state.faces, chosen: [...state.chosen] };
    this.canvas.width = width;
    this.canvas.height = height;
    this.draw();
    const d = document.body.dataset;
    d.faces = String(state.faces.length);
    d.faceBoxes = JSON.stringify(state.faces);
    d.chosenFaces = this.state.chosen.join(',');
  }

  /** The centre of face `index` in page pixels (for tests and keyboard users). */
  centreOf(index: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const [x1, y1, x2, y2] = this.state.faces[index];
    return { x: r.left + (((x1 + x2) / 2) * r.width) / this.width, y: r.top + (((y1 + y2) / 2) * r.height) / this.height };
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    if (this.photo) ctx.drawImage(this.photo, 0, 0, this.width, this.height);
    const line = Math.max(2, Math.round(this.width / 300));
    ctx.font = `${6 * line}px system-ui, sans-serif`;
    this.state.faces.forEach(([x1, y1, x2, y2], i) => {
      const on = this.state.chosen.includes(i);
      ctx.lineWidth = line;
      ctx.setLineDash(on ? [] : [3 * line, 2 * line]);
      ctx.strokeStyle = on ? '#3f3' : '#ccc';
      ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fillText(String(i), x1 + line, y1 - 2 * line);
    });
  }

  private click(e: MouseEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) * this.width) / r.width;
    const y = ((e.clientY - r.top) * this.height) / r.height;
    const hit = this.state.faces.findIndex(([x1, y1, x2, y2]) => x >= x1 && x <= x2 && y >= y1 && y <= y2);
    if (hit < 0) return;
    const chosen = this.state.chosen.includes(hit) ? this.state.chosen.filter((i) => i !== hit) : [...this.state.chosen, hit].sort((a, b) => a - b);
    if (chosen.length === 0) return;
    this.onChange(chosen);
  }
}
