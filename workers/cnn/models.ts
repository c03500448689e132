/** The anti-spoofing models the page runs, with the crop scale each was trained on. */

export interface MiniFasNetSpec {
  /** Short name reported in timings and summaries. */
  name: 'MiniFASNetV2' | 'MiniFASNetV1SE';
  /** File under the server's `/models/` route. */
  file: string;
  /** Face box scale of the crop. */
  scale: number;
  /** V1SE is optional: an ensemble member when the server has it. */
  required: boolean;
  inputName: string;
  outputName: string;
}

export const MINIFASNET_MODELS: readonly MiniFasNetSpec[] = [
  { name: 'MiniFASNetV2', file: '2.7_80x80_MiniFASNetV2.onnx', scale: 2.7, required: true, inputName: 'input', outputName: 'output' },
  { name: 'MiniFASNetV1SE', file: '4_0_0_80x80_MiniFASNetV1SE.onnx', scale: 4.0, required: false, inputName: 'input', outputName: 'output' },
];
