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

{{- define "prefect-server.prefectTag" -}}
{{- .Values.prefectVersionTag | default .Chart.AppVersion | toString -}}
{{- end -}}

{{- define "prefect-server.uiTag" -}}
{{- .Values.uiVersionTag | default .Chart.AppVersion | toString -}}
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
{{- include "prefect-server.firstSet" (list (dig "primary" "service" "ports" "postgresql" "" $pg) $pg.servicePort 5432) -}}
{{- end -}}

{{/* Explicit password value, "" when none: auth.password > auth.postgresPassword > postgresqlPassword. */}}
{{- define "prefect-server.db.explicitPassword" -}}
{{- $pg := .Values.postgresql -}}
{{- include "prefect-server.firstSet" (list (dig "auth" "password" "" $pg) (dig "auth" "postgresPassword" "" $pg) $pg.postgresqlPassword) -}}
{{- end -}}

{{- define "prefect-server.db.host" -}}
{{- if .Values.postgresql.useSubChart -}}
{{- printf "%s.%s" (include "prefect-server.componentName" (list . "postgresql")) .Release.Namespace -}}
{{- else -}}
{{- required "postgresql.externalHostname is required when postgresql.useSubChart is false" .Values.postgresql.externalHostname -}}
{{- end -}}
{{- end -}}

{{/* Connection URL without the password (it comes from the Secret as PGPASSWORD). */}}
{{- define "prefect-server.db.url" -}}
{{- printf "postgresql://%s@%s:%s/%s" (include "prefect-server.db.username" .) (include "prefect-server.db.host" .) (include "prefect-server.db.port" .) (include "prefect-server.db.database" .) -}}
{{- end -}}

{{/*
The Secret holding the password and its key, as YAML {name, key, chartOwned}.
auth.existingSecret (key postgres-password) > existingSecret (key postgresql-password) > the
chart's own Secret, which holds both keys.
*/}}
{{- define "prefect-server.db.secret" -}}
{{- $pg := .Values.postgresql -}}
{{- $authSecret := dig "auth" "existingSecret" "" $pg | default "" -}}
{{- if $authSecret -}}
name: {{ $authSecret | quote }}
key: postgres-password
chartOwned: false
{{- else if $pg.existingSecret -}}
name: {{ $pg.existingSecret | quote }}
key: postgresql-password
chartOwned: false
{{- else -}}
{{- if and (not $pg.useSubChart) (not (include "prefect-server.db.explicitPassword" .)) -}}
{{- fail "postgresql: an external database (useSubChart: false) needs its password: set postgresql.existingSecret (key postgresql-password) or postgresql.auth.existingSecret (key postgres-password), or give postgresql.auth.password / postgresql.postgresqlPassword" -}}
{{- end -}}
name: {{ include "prefect-server.componentName" (list . "postgresql") | quote }}
key: postgresql-password
chartOwned: true
{{- end -}}
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

{{/* Environment shared by graphql, towel and apollo (the image's contract). */}}
{{- define "prefect-server.serverEnv" -}}
- name: PREFECT_SERVER__DATABASE__CONNECTION_URL
  value: {{ include "prefect-server.db.url" . | quote }}
- name: PGPASSWORD
  valueFrom:
    {{- include "prefect-server.db.secretKeyRef" . | nindent 4 }}
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
