export { DemoStepError } from './Player.js';
export { DEMO_EPOCH, DEMO_PLATFORM, playTour, type TourOptions } from './playTour.js';
export { OS_TAR } from './tour.js';
export { demoOsTar } from './demoOs.js';
export { playBuildTour } from './buildTour.js';
