// The light build of Bottleneck (no clustering), the one @octokit/plugin-throttling itself loads; it
// has the full build's API and types.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}
