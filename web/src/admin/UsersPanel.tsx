// Users and their roles (GET /api/v1/users, PUT /api/v1/users/{id}/roles).
import { useState } from "preact/hooks";
import { call, type ApiError } from "../api/client";
import type { User } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatDate, t } from "../i18n";
import { roleLabel } from "./labels";
import { Pager } from "./Pager";
import { usePaged } from "./usePaged";

const allRoles = ["Admin", "Organizer", "User"];

function RolesForm({ user, onSaved }: { user: User; onSaved: () => void }) {
  const [roles, setRoles] = useState(new Set(user.roles));
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const id = (role: string) => `role-${user.id}-${role}`;
  return (
    <form
      class="roles"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        call("PUT", `/api/v1/users/${encodeURIComponent(user.id)}/roles`, { body: { roles: [...roles] } }).then(() => {
          setError(null);
          setSaved(true);
          onSaved();
        }, setError);
      }}
    >
      <fieldset>
        <legend>{t("adminRolesOf", { name: user.displayName })}</legend>
        {allRoles.map((role) => (
          <label key={role} for={id(role)} class="check">
            <input
              id={id(role)}
              type="checkbox"
              checked={roles.has(role)}
              onChange={(e) => {
                const next = new Set(roles);
                if (e.currentTarget.checked) next.add(role);
                else next.delete(role);
                setRoles(next);
              }}
            />{" "}
            {roleLabel(role)}
          </label>
        ))}
        <button type="submit">{t("adminSaveRoles")}</button>
      </fieldset>
      {saved && <p role="status">{t("adminSaved")}</p>}
      <ErrorMessage error={error} />
    </form>
  );
}

export function UsersPanel() {
  const [reload, setReload] = useState(0);
  const { page, setPage, data, error } = usePaged<User & { createdAt: string }>("/api/v1/users", {}, reload);
  return (
    <>
      <h2>{t("adminUsers")}</h2>
      <ErrorMessage error={error} />
      <ul class="admin-list">
        {data?.items.map((user) => (
          <li key={user.id} class="card">
            <p>
              <strong>{user.displayName}</strong> · {user.email}
            </p>
            <p class="hint">{t("adminSince", { at: formatDate(user.createdAt) })}</p>
            <RolesForm key={user.roles.join()} user={user} onSaved={() => setReload((n) => n + 1)} />
          </li>
        ))}
      </ul>
      {data && <Pager page={page} pages={data.totalPages} onPage={setPage} />}
    </>
  );
}
