// RFC 9457 problem details as the UI handles them: one error type for every failed call, with
// the per-field `errors` kept so forms can show each message beside its field.
export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || title);
  }

  // The slug of the problem type: "/problems/not-enough-seats" → "not-enough-seats".
  get slug(): string {
    return this.type.replace(/^.*\/problems\//, "");
  }

  // The message for a form field, matched on the end of the API's field path, so
  // "card.number" and "payment.card.number" both reach the card-number input.
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.endsWith("." + field))?.message;
  }
}

export async function problemFrom(response: Response): Promise<ApiError> {
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as Partial<{
        type: string;
        title: string;
        detail: string;
        errors: FieldError[];
      }>;
      return new ApiError(
        response.status,
        body.type ?? "about:blank",
        body.title ?? response.statusText,
        body.detail ?? "",
        Array.isArray(body.errors) ? body.errors : [],
      );
    } catch {
      // fall through: not the JSON it claimed to be
    }
  }
  return new ApiError(response.status, "about:blank", response.statusText || "Error", "");
}

// A network failure (server down, connection lost) as an ApiError, so callers handle one type.
export function networkError(): ApiError {
  return new ApiError(0, "network", "network", "");
}
