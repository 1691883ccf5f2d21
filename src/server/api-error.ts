import type { z } from "zod";

/** An error the server answers in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (e.g. `Retry-After` on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  static invalid(message: string, param: string | null = null, code: string | null = null): ApiError {
    return new ApiError(400, message, "invalid_request_error", param, code);
  }

  /** The first issue of a failed zod parse, naming the request field. */
  static fromZod(error: z.ZodError): ApiError {
    const issue = error.issues[0];
    const param = issue === undefined || issue.path.length === 0 ? null : issue.path.join(".");
    const where = param === null ? "request body" : `"${param}"`;
    return ApiError.invalid(`${where}: ${issue?.message ?? "invalid"}`, param, "invalid_value");
  }
}
