export declare const GLOBAL_VALUE_OPTIONS: string[];
export declare function commandOf(args: string[]): string;
export declare function satisfiesEngines(version: string, range: string): boolean | undefined;
export declare function nodeVersionProblem(version: string, range: string, execPath: string): string | undefined;
