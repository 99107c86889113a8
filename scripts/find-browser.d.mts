export declare const BROWSER_CANDIDATES: string[];
export declare const HOW_TO_GET_A_BROWSER: string;
export declare function findBrowser(env?: NodeJS.ProcessEnv): string | null;
export declare function isDebian(): boolean;
