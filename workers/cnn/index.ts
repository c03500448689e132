export { computeCropBounds, normalisedCropBox, type PixelBox, type CropBounds } from './crop-box.ts';
export { cropToBgrTensor, MINIFASNET_INPUT_SIZE } from './tensor.ts';
export { softmax, realProbabilities, ensembleRealProbability, MINIFASNET_REAL_CLASS } from './softmax.ts';
export { MINIFASNET_MODELS, type MiniFasNetSpec } from './models.ts';
