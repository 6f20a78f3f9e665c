/**
 * The app `overlay demo build` builds and the page's build-cache lesson builds in the browser:
 * the same steps in a good order (dependencies installed before `COPY . .`) and a bad one. A
 * file of its own, Node-free, so the page's first chunk can import it without src/cli's index.
 */
export const GOOD = `FROM demo/os:1.0
WORKDIR /app
COPY package.json ./
RUN mkdir -p node_modules && echo "left-pad 1.3.0" > node_modules/deps.txt
COPY . .
RUN echo "bundle of src/app.js" > dist.js
CMD ["node", "dist.js"]
`;

export const BAD = `FROM demo/os:1.0
WORKDIR /app
COPY . .
RUN mkdir -p node_modules && echo "left-pad 1.3.0" > node_modules/deps.txt
RUN echo "bundle of src/app.js" > dist.js
CMD ["node", "dist.js"]
`;
