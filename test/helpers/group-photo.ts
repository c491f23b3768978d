/** Multi-face test pictures built at test time from the real portraits in ../shared/samples/source. */
export { groupPhoto, type GroupPhoto } from '../../src/bench/group-picture.js';
