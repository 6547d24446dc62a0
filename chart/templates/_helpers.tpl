{{/*
Names, labels, images and the effective database settings.
Component helpers take (list $ "component").
*/}}

{{/* Chart name, as in the app.kubernetes.io/name label. */}}
{{- define "prefect-server.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: {release} or {release}-{chart}. */}}
{{- define "prefect-server.fullname" -}}
{{- if .Values.includeChartNameInComponents -}}
{{- printf "%s-%s" .Release.Name (include "prefect-server.name" .) | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
Name of a component's objects: {fullname}-{component}, at most 63 characters. A long prefix is
shortened, never the component, so two components never end up with the same name.
*/}}
{{- define "prefect-server.componentName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $prefix := include "prefect-server.fullname" $root | trunc (int (sub 62 (len $component))) | trimSuffix "-" -}}
{{- printf "%s-%s" $prefix $component -}}
{{- end -}}

{{/*
Name of the bundled database's objects (StatefulSet, Services, password Secret, init ConfigMap):
{release}-postgresql with a suffix, whatever includeChartNameInComponents says. The original
chart's Bitnami subchart never put the chart name in them, so the kept password Secret and the
database host stay the same whichever way a values file sets that key. Argument: (list $ suffix).
*/}}
{{- define "prefect-server.db.objectName" -}}
{{- $root := index . 0 -}}
{{- $suffix := index . 1 -}}
{{- $prefix := $root.Release.Name | trunc (int (sub 62 (len $suffix))) | trimSuffix "-" -}}
{{- printf "%s-%s" $prefix $suffix -}}
{{- end -}}

{{- define "prefect-server.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: name, instance, component. Never change them: selectors are immutable. */}}
{{- define "prefect-server.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "prefect-server.name" $root | quote }}
app.kubernetes.io/instance: {{ $root.Release.Name | quote }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Standard labels of a component, plus the component's own labels (third argument). */}}
{{- define "prefect-server.labels" -}}
{{- $root := index . 0 -}}
{{- $extra := dict -}}
{{- if gt (len .) 2 -}}{{- $extra = index . 2 | default dict -}}{{- end -}}
{{- $standard := dict
    "helm.sh/chart" (include "prefect-server.chart" $root)
    "app.kubernetes.io/version" ($root.Chart.AppVersion | toString)
    "app.kubernetes.io/managed-by" $root.Release.Service -}}
{{- $selector := include "prefect-server.selectorLabels" (list $root (index . 1)) | fromYaml -}}
{{- toYaml (merge (dict) $selector $standard $extra) -}}
{{- end -}}

{{/*
Metadata annotations: the component's (second argument) over the chart-wide `annotations`,
plus any fixed ones (third argument, e.g. hooks). Renders "annotations:" or nothing.
*/}}
{{- define "prefect-server.annotations" -}}
{{- $root := index . 0 -}}
{{- $own := index . 1 | default dict -}}
{{- $fixed := dict -}}
{{- if gt (len .) 2 -}}{{- $fixed = index . 2 -}}{{- end -}}
{{- $all := merge (dict) $fixed $own ($root.Values.annotations | default dict) -}}
{{- if $all -}}
annotations:
  {{- toYaml $all | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* "repository:tag" of an image value with a default tag. */}}
{{- define "prefect-server.image" -}}
{{- $image := index . 0 -}}
{{- $tag := $image.tag | default (index . 1) | toString -}}
{{- printf "%s:%s" $image.name $tag -}}
{{- end -}}

{{- define "prefect-server.serverTag" -}}
{{- .Values.serverVersionTag | default .Chart.AppVersion | toString -}}
{{- end -}}

{{/*
Prefect and UI tags. Empty (as the published 2022.03.29 values file had them) means the last
released chart's pins, the same as values.yaml's defaults: the appVersion is a server tag, and
neither prefecthq/prefect nor prefecthq/ui was ever pushed under it (the original rendered an
image with no tag at all, which never pulls).
*/}}
{{- define "prefect-server.prefectTag" -}}
{{- .Values.prefectVersionTag | default "1.4.0" | toString -}}
{{- end -}}

{{- define "prefect-server.uiTag" -}}
{{- .Values.uiVersionTag | default "2022-09-14" | toString -}}
{{- end -}}

{{/*
Pod imagePullSecrets: the component's own list, else the chart-wide one.
Entries may be names or {name: ...} objects.
*/}}
{{- define "prefect-server.imagePullSecrets" -}}
{{- $root := index . 0 -}}
{{- $secrets := index . 1 | default $root.Values.imagePullSecrets | default list -}}
{{- if $secrets -}}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end -}}
{{- end -}}

{{- define "prefect-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "prefect-server.componentName" (list . "serviceaccount")) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
First value of a list that is set (not null, not ""), as a string; "" when none is.
Used for the two eras of database keys: 2022.09-era key first, then seed-era, then default.
*/}}
{{- define "prefect-server.firstSet" -}}
{{- $found := "" -}}
{{- $done := false -}}
{{- range . -}}
{{- if and (not $done) (not (kindIs "invalid" .)) (ne (toString .) "") -}}
{{- $found = toString . -}}
{{- $done = true -}}
{{- end -}}
{{- end -}}
{{- $found -}}
{{- end -}}

{{- define "prefect-server.db.username" -}}
{{- $pg := .Values.postgresql -}}
{{- include "prefect-server.firstSet" (list (dig "auth" "username" "" $pg) $pg.postgresqlUsername "prefect") -}}
{{- end -}}

{{- define "prefect-server.db.database" -}}
{{- $pg := .Values.postgresql -}}
{{- include "prefect-server.firstSet" (list (dig "auth" "database" "" $pg) $pg.postgresqlDatabase "prefect") -}}
{{- end -}}

{{- define "prefect-server.db.port" -}}
{{- $pg := .Values.postgresql -}}
{{- include "prefect-server.firstSet" (list (dig "primary" "service" "ports" "postgresql" "" $pg) $pg.servicePort (dig "service" "port" "" $pg) 5432) -}}
{{- end -}}

{{/* Explicit password value, "" when none: auth.password > auth.postgresPassword > postgresqlPassword. */}}
{{- define "prefect-server.db.explicitPassword" -}}
{{- $pg := .Values.postgresql -}}
{{- include "prefect-server.firstSet" (list (dig "auth" "password" "" $pg) (dig "auth" "postgresPassword" "" $pg) $pg.postgresqlPassword) -}}
{{- end -}}

{{- define "prefect-server.db.host" -}}
{{- if .Values.postgresql.useSubChart -}}
{{- printf "%s.%s" (include "prefect-server.db.objectName" (list . "postgresql")) .Release.Namespace -}}
{{- else -}}
{{- required "postgresql.externalHostname is required when postgresql.useSubChart is false" .Values.postgresql.externalHostname -}}
{{- end -}}
{{- end -}}

{{/* Connection URL without the password (it comes from the Secret as PGPASSWORD). */}}
{{- define "prefect-server.db.url" -}}
{{- printf "postgresql://%s@%s:%s/%s" (include "prefect-server.db.username" .) (include "prefect-server.db.host" .) (include "prefect-server.db.port" .) (include "prefect-server.db.database" .) -}}
{{- end -}}

{{/*
The URL the migrations get: alembic's config parser refuses "%" (interpolation syntax), so an
Azure user written user%40server is decoded there, as the original chart did for its init
container only; hasura and graphql keep the encoded form, which is what a URL needs.
*/}}
{{- define "prefect-server.db.migrationUrl" -}}
{{- include "prefect-server.db.url" . | replace "%40" "@" -}}
{{- end -}}

{{/*
The Secret holding the password and its key, as YAML {name, key, chartOwned}.
auth.existingSecret (key postgres-password) > existingSecret (key postgresql-password) > the
chart's own Secret, which holds both keys.
*/}}
{{- define "prefect-server.db.secret" -}}
{{- $pg := .Values.postgresql -}}
{{- $existing := dig "auth" "existingSecret" "" $pg | default $pg.existingSecret | default "" -}}
{{- if $existing -}}
name: {{ $existing | quote }}
key: {{ include "prefect-server.db.existingSecretKey" (list . $existing) | quote }}
chartOwned: false
{{- else -}}
{{- if and (not $pg.useSubChart) (not (include "prefect-server.db.explicitPassword" .)) -}}
{{- fail "postgresql: an external database (useSubChart: false) needs its password: set postgresql.existingSecret (a Secret holding it under postgres-password or postgresql-password), or give postgresql.auth.password / postgresql.postgresqlPassword" -}}
{{- end -}}
name: {{ include "prefect-server.db.objectName" (list . "postgresql") | quote }}
{{- /* The Secret holds every key; the pods read the one the released chart of the values' era read. */}}
key: {{ include "prefect-server.db.eraSecretKey" . }}
chartOwned: true
{{- end -}}
{{- end -}}

{{/*
The key of an existing password Secret: (list $ secretName). The released charts read the same
`postgresql.existingSecret` line under two keys: `postgresql-password` up to 2022.04.14,
`postgres-password` from 2022.09.07. So: `postgresql.existingSecretKey` when given; else the
key the Secret holds, looked up in the cluster (postgres-password first, as the last release
read it); else, when the cluster cannot be asked (helm template, client dry runs) or the Secret
does not exist yet, by era: postgresql-password when the values use the seed-era keys and none
of the 2022.09 ones, postgres-password otherwise.
*/}}
{{- define "prefect-server.db.existingSecretKey" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $pg := $root.Values.postgresql -}}
{{- $data := dig "data" dict (lookup "v1" "Secret" $root.Release.Namespace $name | default dict) -}}
{{- if $pg.existingSecretKey -}}
{{- $pg.existingSecretKey -}}
{{- else if hasKey $data "postgres-password" -}}
postgres-password
{{- else if hasKey $data "postgresql-password" -}}
postgresql-password
{{- else -}}
{{- include "prefect-server.db.eraSecretKey" $root -}}
{{- end -}}
{{- end -}}

{{/* postgresql-password when only seed-era database keys are set, postgres-password otherwise. */}}
{{- define "prefect-server.db.eraSecretKey" -}}
{{- if and (include "prefect-server.db.seedEraKeysSet" .) (not (include "prefect-server.db.newEraKeysSet" .)) -}}
postgresql-password
{{- else -}}
postgres-password
{{- end -}}
{{- end -}}

{{/* "true" when a seed-era database key (up to 2022.04.14) is set, "" otherwise. */}}
{{- define "prefect-server.db.seedEraKeysSet" -}}
{{- $pg := .Values.postgresql -}}
{{- $persistence := $pg.persistence | default dict -}}
{{- if or $pg.postgresqlUsername $pg.postgresqlPassword $pg.postgresqlDatabase $pg.servicePort (not (kindIs "invalid" $persistence.enabled)) $persistence.size $pg.initdbScripts -}}true{{- end -}}
{{- end -}}

{{/* "true" when a 2022.09-era database key is set, "" otherwise. */}}
{{- define "prefect-server.db.newEraKeysSet" -}}
{{- $pg := .Values.postgresql -}}
{{- $auth := $pg.auth | default dict -}}
{{- $primary := $pg.primary | default dict -}}
{{- $persistence := $primary.persistence | default dict -}}
{{- if or $auth.username $auth.password $auth.database $auth.postgresPassword (dig "service" "ports" "postgresql" "" $primary) (not (kindIs "invalid" $persistence.enabled)) $persistence.size (dig "initdb" "scripts" dict $primary) -}}true{{- end -}}
{{- end -}}

{{- define "prefect-server.db.secretKeyRef" -}}
{{- $secret := include "prefect-server.db.secret" . | fromYaml -}}
secretKeyRef:
  name: {{ $secret.name }}
  key: {{ $secret.key }}
{{- end -}}

{{/*
Effective persistence of the bundled database as YAML: each setting from primary.persistence,
else persistence, else the default.
*/}}
{{- define "prefect-server.db.persistence" -}}
{{- $pg := .Values.postgresql -}}
{{- $new := dig "primary" "persistence" dict $pg | default dict -}}
{{- $old := $pg.persistence | default dict -}}
{{- $enabled := include "prefect-server.firstSet" (list $new.enabled $old.enabled false) -}}
enabled: {{ eq $enabled "true" }}
size: {{ include "prefect-server.firstSet" (list $new.size $old.size "8Gi") | quote }}
storageClass: {{ include "prefect-server.firstSet" (list $new.storageClass $old.storageClass) | quote }}
existingClaim: {{ include "prefect-server.firstSet" (list $new.existingClaim $old.existingClaim) | quote }}
accessModes: {{ $new.accessModes | default $old.accessModes | default (list "ReadWriteOnce") | toJson }}
annotations: {{ $new.annotations | default $old.annotations | default dict | toJson }}
{{- end -}}

{{- define "prefect-server.hasura.host" -}}
{{- printf "%s.%s" (include "prefect-server.componentName" (list . "hasura")) .Release.Namespace -}}
{{- end -}}

{{- define "prefect-server.hasura.apiUrl" -}}
{{- printf "http://%s:%v/v1alpha1/graphql" (include "prefect-server.hasura.host" .) .Values.hasura.service.port -}}
{{- end -}}

{{- define "prefect-server.graphql.host" -}}
{{- printf "%s.%s" (include "prefect-server.componentName" (list . "graphql")) .Release.Namespace -}}
{{- end -}}

{{- define "prefect-server.apollo.host" -}}
{{- printf "%s.%s" (include "prefect-server.componentName" (list . "apollo")) .Release.Namespace -}}
{{- end -}}

{{/* In-cluster URL of apollo's GraphQL endpoint (agent, tenant Job). */}}
{{- define "prefect-server.apollo.apiUrl" -}}
{{- printf "http://%s:%v/graphql" (include "prefect-server.apollo.host" .) .Values.apollo.service.port -}}
{{- end -}}

{{- define "prefect-server.apollo.healthUrl" -}}
{{- printf "http://%s:%v/.well-known/apollo/server-health" (include "prefect-server.apollo.host" .) .Values.apollo.service.port -}}
{{- end -}}

{{/* prefectConfig leaves as env entries PREFECT_SERVER__A__B (recursive). */}}
{{- define "prefect-server.prefectConfigEnv" -}}
{{- $prefix := .prefix -}}
{{- range $key, $value := .map }}
{{- $name := printf "%s__%s" $prefix (upper $key) }}
{{- if kindIs "map" $value }}
{{- include "prefect-server.prefectConfigEnv" (dict "prefix" $name "map" $value) }}
{{- else }}
- name: {{ $name }}
  value: {{ if kindIs "slice" $value }}{{ toJson $value | quote }}{{ else if kindIs "invalid" $value }}""{{ else }}{{ toString $value | quote }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The database URL and password, for the containers that open the database themselves: graphql
and its migrations (the original gave them to no other Prefect container). Argument: (list $ url).
*/}}
{{- define "prefect-server.databaseEnv" -}}
{{- $root := index . 0 -}}
- name: PREFECT_SERVER__DATABASE__CONNECTION_URL
  value: {{ index . 1 | quote }}
- name: PGPASSWORD
  valueFrom:
    {{- include "prefect-server.db.secretKeyRef" $root | nindent 4 }}
{{- end -}}

{{/* Environment shared by graphql, towel and apollo (the image's contract). */}}
{{- define "prefect-server.serverEnv" -}}
- name: PREFECT_SERVER__DATABASE__HOST
  value: {{ include "prefect-server.db.host" . | quote }}
- name: PREFECT_SERVER__DATABASE__PORT
  value: {{ include "prefect-server.db.port" . | quote }}
- name: PREFECT_SERVER__DATABASE__USERNAME
  value: {{ include "prefect-server.db.username" . | quote }}
- name: PREFECT_SERVER__DATABASE__PASSWORD
  valueFrom:
    {{- include "prefect-server.db.secretKeyRef" . | nindent 4 }}
- name: PREFECT_SERVER__HASURA__HOST
  value: {{ include "prefect-server.hasura.host" . | quote }}
- name: PREFECT_SERVER__HASURA__PORT
  value: {{ .Values.hasura.service.port | toString | quote }}
- name: PREFECT_SERVER__API__URL
  value: {{ include "prefect-server.hasura.apiUrl" . | quote }}
- name: PREFECT_SERVER__SERVICES__APOLLO__PORT
  value: {{ .Values.apollo.service.port | toString | quote }}
- name: PREFECT_SERVER__SERVICES__GRAPHQL__PORT
  value: {{ .Values.graphql.service.port | toString | quote }}
{{- include "prefect-server.prefectConfigEnv" (dict "prefix" "PREFECT_SERVER" "map" (.Values.prefectConfig | default dict)) }}
{{- end -}}

{{/* Pod-level fields shared by every workload: (list $ componentValues). */}}
{{- define "prefect-server.podScheduling" -}}
{{- $values := index . 1 -}}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A container's resources: (list resourcesValue defaultCpuRequest defaultMemoryRequest).
A default request is added only for a resource the user gave neither a request nor a limit
for: with a limit alone Kubernetes uses it as the request, so a limit below the default request
never makes the pod invalid.
*/}}
{{- define "prefect-server.resources" -}}
{{- $resources := deepCopy (index . 0 | default dict) -}}
{{- $requests := get $resources "requests" | default dict -}}
{{- $limits := get $resources "limits" | default dict -}}
{{- range $name, $quantity := dict "cpu" (index . 1) "memory" (index . 2) -}}
{{- if not (or (hasKey $requests $name) (hasKey $limits $name)) -}}
{{- $_ := set $requests $name $quantity -}}
{{- end -}}
{{- end -}}
{{- if $requests -}}
{{- $_ := set $resources "requests" $requests -}}
{{- end -}}
resources:
  {{- toYaml $resources | nindent 2 }}
{{- end -}}

{{/*
Image of the bundled database. The official `postgres` image (`image.name`, `image.tag`); the
Bitnami subchart's keys (`image.registry`, `image.repository`) are read too, so a values file of
the original chart does not silently get another image, but a Bitnami image or tag is refused:
its data directory (/bitnami/postgresql, uid 1001) and environment are not the official image's.
*/}}
{{- define "prefect-server.db.image" -}}
{{- $image := .Values.postgresql.image -}}
{{- $name := $image.name -}}
{{- with $image.repository -}}
{{- $name = . -}}
{{- with $image.registry }}{{ $name = printf "%s/%s" . $name }}{{ end -}}
{{- end -}}
{{- $tag := $image.tag | default "14" | toString -}}
{{- if contains "bitnami" $name -}}
{{- fail (printf "postgresql.image: %s is a Bitnami image; the bundled database runs the official postgres image (data in /var/lib/postgresql/data, uid 999). Remove postgresql.image.registry/repository, or set postgresql.image.name to the official image or a mirror of it." $name) -}}
{{- end -}}
{{- if regexMatch "-debian-|-r[0-9]+$" $tag -}}
{{- fail (printf "postgresql.image.tag %q is a Bitnami tag, which the official postgres image does not have. Set postgresql.image.tag to a PostgreSQL major version of the official image, e.g. \"14\" (11 or newer)." $tag) -}}
{{- end -}}
{{- printf "%s:%s" $name $tag -}}
{{- end -}}

{{/*
Values that no schema can refuse with a message a person can act on. Included once, by
templates/validate.yaml.
*/}}
{{- define "prefect-server.validate" -}}
{{- range $key, $tag := dict "uiVersionTag" .Values.uiVersionTag "ui.image.tag" .Values.ui.image.tag -}}
{{- if regexMatch "^[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}$" (toString ($tag | default "")) -}}
{{- fail (printf "%s %q does not exist: prefecthq/ui tags are dates with dashes, e.g. %s (2022-09-14 is the last released chart's)." $key (toString $tag) (toString $tag | replace "." "-")) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.postgresql.useSubChart (dig "metrics" "enabled" false .Values.postgresql) -}}
{{- fail "postgresql.metrics.enabled: the bundled database has no metrics exporter (that was the Bitnami subchart's). Run a postgres-exporter of your own against the Service {release}-postgresql, or use an external database with its own monitoring." -}}
{{- end -}}
{{- end -}}
