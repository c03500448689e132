/**
 * rPPG signal core: pure functions over typed arrays, shared by the capture page's workers and
 * the server's analysis. No DOM, no node: imports.
 */
export { estimateHeartRate, DEFAULT_CONSISTENCY_TOLERANCE_BPM, DEFAULT_CONSISTENCY_WINDOW_SECONDS } from './estimate-heart-rate.ts';
export type { HeartRateEstimate, HeartRateOptions, RoiHeartRate } from './estimate-heart-rate.ts';
export { strongestPulse, STRONGEST_PULSE_METHODS } from './strongest.ts';
export { createPulseEstimator, DEFAULT_STREAM_MIN_SECONDS, DEFAULT_STREAM_SAMPLE_RATE, DEFAULT_STREAM_UPDATE_SECONDS, DEFAULT_STREAM_WINDOW_SECONDS } from './streaming.ts';
export type { PulseEstimator, PulseEstimatorOptions, StreamingHeartRate } from './streaming.ts';
export { scoreLightChallenge, DEFAULT_LIGHT_CHALLENGE } from './light-challenge.ts';
export type { LightChallengeOptions, LightChallengeReason, LightChallengeResult, LightChallengeStep } from './light-challenge.ts';
export { estimateSignalHeartRate } from './ppg.ts';
export { extractPulse, PULSE_METHODS, DEFAULT_DETREND_CUTOFF_HZ } from './pulse.ts';
export type { PulseMethod, PulseOptions } from './pulse.ts';
export { pos, posWindow, posWindowLength } from './pos.ts';
export { chrom } from './chrom.ts';
export { green } from './green.ts';
export { resampleLinear, uniformLength, estimateFrameRate, deinterleave } from './resample.ts';
export { detrendSmoothnessPriors, lambdaForCutoff } from './detrend.ts';
export { bandpassZeroPhase, createCausalBandpass, designBandpass, filtfilt, filterCascade } from './biquad/bandpass.ts';
export type { BandpassOptions, CausalBandpass } from './biquad/bandpass.ts';
export { createFft, isPowerOfTwo, nextPowerOfTwo } from './fft.ts';
export type { Fft } from './fft.ts';
export { createWelchPlan, welch, welchPsd } from './welch.ts';
export type { Spectrum, WelchOptions, WelchPlan } from './welch.ts';
export { findPeak, heartRateFromSpectrum, peakProminenceDb, spectralSnrDb, HEART_RATE_BAND, HEART_RATE_SEARCH_BAND } from './heart-rate.ts';
export type { Band, SpectralHeartRate, SpectralPeak } from './heart-rate.ts';
export { fusePulses, fuseSpectra, snrWeight } from './fusion.ts';
export { assessQuality, DEFAULT_QUALITY_GATE } from './quality.ts';
export type { QualityAssessment, QualityFeatures, QualityGate, QualityReason } from './quality.ts';
export { SignalError } from './errors.ts';
export type { SignalErrorCode } from './errors.ts';
